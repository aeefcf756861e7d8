/**
 * Private rooms and invite links in Chromium against the real chat server, with
 * three people: ada creates a private room (from the keyboard), which grace,
 * an outsider, cannot find in the directory; an invite link ada creates lets
 * grace in (opened in her signed-in tab) and lets cat in after signing up
 * (opened before she has an account). Ada then makes the room public, and every
 * member sees its lock go; the invite dialog fits a 390-px-wide screen in light
 * and dark mode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { testPassword } from './accounts.ts';
import { messageWithText, newPage, roomItem, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

const roomName = 'skunkworks';

/** Grace's view of the directory, fully loaded: whether it lists `name`. */
async function directoryLists(page: Page, name: string): Promise<boolean> {
  await page.getByTestId('browse-rooms').click();
  const directory = page.getByTestId('directory');
  await directory.waitFor({ timeout });
  await directory.locator('[data-room-name="general"]').waitFor({ timeout });
  const listed = await directory.locator(`[data-room-name="${name}"]`).count();
  await page.keyboard.press('Escape');
  return listed > 0;
}

describe('private rooms and invite links in Chromium', () => {
  const people = withTwoPeople();
  let link = '';

  it('creates a private room from the keyboard, marked with a lock, that an outsider cannot find', async () => {
    const { ada, grace } = people;
    await ada.getByTestId('browse-rooms').click();
    await ada.getByTestId('new-room-input').fill(roomName);
    await ada.getByTestId('new-room-input').press('Tab');
    await ada.keyboard.press('Space');
    assert.equal(await ada.getByTestId('new-room-private').isChecked(), true);
    await ada.getByTestId('new-room-input').press('Enter');
    const item = roomItem(ada, roomName);
    await item.waitFor({ timeout });
    assert.equal(await item.getAttribute('data-visibility'), 'private');
    assert.match((await item.getAttribute('aria-label')) ?? '', /^skunkworks, private/);
    await item.getByTestId('private-mark').waitFor({ timeout });
    await say(ada, 'The secret plans');
    await messageWithText(ada, 'The secret plans').waitFor({ timeout });

    assert.equal(await directoryLists(grace, roomName), false);
    assert.equal(await roomItem(grace, roomName).count(), 0);
  });

  it('creates an invite link with an expiry and a number of uses, from the keyboard', async () => {
    const { ada } = people;
    await ada.getByTestId('invite-button').focus();
    await ada.keyboard.press('Enter');
    const dialog = ada.getByTestId('room-access');
    await dialog.waitFor({ timeout });
    await dialog.getByTestId('invite-expiry').selectOption({ label: '1 day' });
    await dialog.getByTestId('invite-uses').selectOption('5');
    await dialog.getByTestId('create-invite').focus();
    await ada.keyboard.press('Enter');
    link = await dialog.getByTestId('invite-link').inputValue({ timeout });
    assert.match(link, /\/#invite=[\w-]+\.[\w-]+$/);
    await dialog.getByTestId('invite').filter({ hasText: '0 of 5 uses' }).waitFor({ timeout });
    await ada.keyboard.press('Escape');
  });

  it('lets a signed-in outsider in through the link, and she reads the room', async () => {
    const { ada, grace } = people;
    await grace.goto(link);
    await roomItem(grace, roomName).waitFor({ timeout });
    await messageWithText(grace, 'The secret plans').waitFor({ timeout });
    assert.equal(new URL(grace.url()).hash, '', 'the token leaves the address bar');
    await say(grace, 'Glad to be in');
    await messageWithText(ada, 'Glad to be in').waitFor({ timeout });
  });

  it('lets someone without an account join after signing up from the link', async () => {
    const { chat, ada } = people;
    const cat = await newPage(chat.browser);
    await cat.goto(link);
    await cat.getByText('Sign in to join the room you were invited to.').waitFor({ timeout });
    await cat.getByTestId('mode-register').click();
    await cat.getByTestId('username-input').fill('cat');
    await cat.getByTestId('password-input').fill(testPassword);
    await cat.getByTestId('sign-in-submit').click();
    await roomItem(cat, roomName).waitFor({ timeout });
    await messageWithText(cat, 'Glad to be in').waitFor({ timeout });

    // The owner sees the uses counted.
    await ada.getByTestId('invite-button').click();
    await ada.getByTestId('room-access').getByTestId('invite').filter({ hasText: '2 of 5 uses' }).waitFor({ timeout });
    await ada.keyboard.press('Escape');
    await cat.context().close();
  });

  it('lets the owner make the room public: the lock goes for every member and it enters the directory', async () => {
    const { ada, grace } = people;
    await ada.getByTestId('invite-button').click();
    const dialog = ada.getByTestId('room-access');
    await dialog.getByTestId('toggle-visibility').click();
    await dialog.getByTestId('toggle-visibility').filter({ hasText: 'Make private' }).waitFor({ timeout });
    await ada.keyboard.press('Escape');
    for (const page of [ada, grace]) {
      await page.locator(`[data-testid="room-item"][data-room-name="${roomName}"][data-visibility="public"]`).waitFor({
        timeout,
      });
    }
    // Grace is no owner: she can add people but sees no room settings.
    await grace.getByTestId('invite-button').click();
    await grace.getByTestId('room-access').getByTestId('invite-username').waitFor({ timeout });
    assert.equal(await grace.getByTestId('toggle-visibility').count(), 0);
    await grace.keyboard.press('Escape');
    assert.equal(await directoryLists(grace, roomName), true);
  });

  it('fits the invite dialog on a 390-px-wide screen in light and dark mode', async () => {
    const { ada } = people;
    await ada.setViewportSize({ width: 390, height: 844 });
    await ada.getByTestId('invite-button').click();
    const dialog = ada.getByTestId('room-access');
    await dialog.getByTestId('create-invite').waitFor({ timeout });
    for (const colorScheme of ['light', 'dark'] as const) {
      await ada.emulateMedia({ colorScheme });
      const overflow = await ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
      for (const id of ['create-invite', 'invite-username', 'toggle-visibility']) {
        const box = await dialog.getByTestId(id).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${colorScheme}: ${id} is on screen`);
      }
    }
    await ada.keyboard.press('Escape');
    await ada.emulateMedia({ colorScheme: null });
  });
});
