/**
 * Roles and moderation in Chromium against the real chat server: the owner of a
 * room deletes the other person's message (from the keyboard), and both see
 * "removed by a moderator"; the member list shows roles and lets the owner make
 * the other an admin and back, make the room read-only (the other's composer
 * gives way to a notice) and remove them (they are told, and the room goes), or
 * ban them (they cannot join again until the owner adds them back);
 * the member list fits a 390-px-wide screen in dark mode; the owner reads the
 * moderation log; a server admin deactivates the other, who is signed out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { testPassword } from './accounts.ts';
import { messageWithText, roomItem, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('moderation in Chromium', () => {
  // Ada is also one of the server's admins (CHAT_ADMINS).
  const people = withTwoPeople({ serverAdmins: ['ada'] });

  const member = (page: Page, username: string) => page.locator(`[data-testid="member"][data-username="${username}"]`);
  const roleOf = (page: Page, username: string, role: string) =>
    page.locator(`[data-testid="member"][data-username="${username}"][data-role="${role}"]`);

  async function closeMembers(page: Page): Promise<void> {
    await page.getByTestId('members-dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('members-dialog').waitFor({ state: 'hidden', timeout });
  }

  async function openMembers(page: Page): Promise<void> {
    await page.getByTestId('room-members').click();
    await page.getByTestId('members-dialog').waitFor({ timeout });
  }

  it('lets the owner remove the other person’s message: both see it removed by a moderator', async () => {
    const { ada, grace } = people;
    // Ada creates #mods, which makes her its owner; grace joins it from the directory.
    await ada.getByTestId('browse-rooms').click();
    await ada.getByTestId('new-room-input').fill('mods');
    await ada.getByTestId('create-room').click();
    await ada.getByTestId('room-title').filter({ hasText: 'mods' }).waitFor({ timeout });
    await grace.getByTestId('browse-rooms').click();
    await grace
      .locator('[data-testid="directory-room"][data-room-name="mods"]')
      .getByRole('button', { name: 'Join' })
      .click();
    await roomItem(grace, 'mods').click();
    await grace.getByTestId('room-title').filter({ hasText: 'mods' }).waitFor({ timeout });

    await say(grace, 'Cheap watches, click here');
    const onAda = messageWithText(ada, 'Cheap watches, click here');
    await onAda.waitFor({ timeout });
    // Grace may not remove ada's messages; ada, the owner, may remove grace's: from the keyboard.
    await say(ada, 'Welcome to mods');
    const adasOnGrace = messageWithText(grace, 'Welcome to mods');
    await adasOnGrace.hover();
    assert.equal(await adasOnGrace.getByTestId('delete-message').count(), 0);
    await onAda.focus();
    await ada.keyboard.press('Delete');
    await ada.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'confirm-delete');
    await ada.keyboard.press('Enter');

    const removed = 'This message was removed by a moderator.';
    for (const page of [grace, ada]) {
      await page.getByTestId('message-text').filter({ hasText: removed }).waitFor({ timeout });
    }
    assert.equal(await messageWithText(grace, 'Cheap watches, click here').count(), 0);
    // After a reload the history says the same.
    await grace.reload();
    await roomItem(grace, 'mods').click();
    await grace.getByTestId('message-text').filter({ hasText: removed }).waitFor({ timeout });
  });

  it('shows roles in the member list and lets the owner make the other an admin and back', async () => {
    const { ada, grace } = people;
    await openMembers(ada);
    await roleOf(ada, 'ada', 'owner').getByTestId('member-role').filter({ hasText: 'owner' }).waitFor({ timeout });
    await roleOf(ada, 'grace', 'member').waitFor({ timeout });
    await member(ada, 'grace').getByRole('button', { name: 'Make grace an admin' }).click();
    await roleOf(ada, 'grace', 'admin').waitFor({ timeout });

    // Grace, now an admin, sees it and gets the read-only switch; she cannot remove the owner.
    await openMembers(grace);
    await roleOf(grace, 'grace', 'admin').waitFor({ timeout });
    await grace.getByTestId('read-only-toggle').waitFor({ timeout });
    assert.equal(await member(grace, 'ada').getByTestId('remove-member').count(), 0);
    await closeMembers(grace);

    await member(ada, 'grace').getByRole('button', { name: 'Make grace a member' }).click();
    await roleOf(ada, 'grace', 'member').waitFor({ timeout });
    await grace.getByTestId('read-only-toggle').waitFor({ state: 'detached', timeout });
    await closeMembers(ada);
  });

  it('lets the owner make the room read-only: the member’s composer gives way to a notice until it opens again', async () => {
    const { ada, grace } = people;
    await openMembers(ada);
    // The switch shows the room's state: it turns on once the server's readOnlyChanged is applied.
    await ada.getByTestId('read-only-toggle').click();
    await ada.locator('[data-testid="read-only-toggle"]:checked').waitFor({ timeout });
    await grace.getByTestId('read-only-notice').waitFor({ timeout });
    assert.equal(await grace.getByTestId('composer-input').count(), 0);
    await closeMembers(ada);
    // The owner still posts.
    await say(ada, 'Announcements only for a while');
    await messageWithText(grace, 'Announcements only for a while').waitFor({ timeout });
    await openMembers(ada);
    await ada.getByTestId('read-only-toggle').click();
    await ada.locator('[data-testid="read-only-toggle"]:not(:checked)').waitFor({ timeout });
    await grace.getByTestId('composer-input').waitFor({ timeout });
    await closeMembers(ada);
  });

  it('fits the member list on a 390-px-wide screen in dark mode', async () => {
    const { ada } = people;
    await ada.emulateMedia({ colorScheme: 'dark' });
    await ada.setViewportSize({ width: 390, height: 800 });
    await openMembers(ada);
    const overflow = await ada
      .getByTestId('members-dialog')
      .evaluate((dialog) => dialog.scrollWidth - dialog.clientWidth);
    assert.equal(overflow, 0);
    const box = await member(ada, 'grace').getByTestId('remove-member').boundingBox();
    assert.ok(box !== null && box.x + box.width <= 390, JSON.stringify(box));
    await closeMembers(ada);
    await ada.setViewportSize({ width: 1280, height: 800 });
    await ada.emulateMedia({ colorScheme: 'light' });
  });

  it('lets the owner remove the other person, who is told and loses the room', async () => {
    const { ada, grace } = people;
    await openMembers(ada);
    await member(ada, 'grace').getByRole('button', { name: 'Remove grace from #mods' }).click();
    await member(ada, 'grace').getByTestId('confirm-remove-member').click();
    await member(ada, 'grace').waitFor({ state: 'detached', timeout });
    await grace.getByText('ada removed you from #mods.').waitFor({ timeout });
    await roomItem(grace, 'mods').waitFor({ state: 'detached', timeout });
    await closeMembers(ada);
  });

  it('shows the moderation log to the owner, newest first, from the keyboard', async () => {
    const { ada } = people;
    await openMembers(ada);
    await ada.getByTestId('audit-log-toggle').focus();
    await ada.keyboard.press('Enter');
    const entries = ada.getByTestId('audit-text');
    await entries.first().waitFor({ timeout });
    assert.deepEqual(await entries.allInnerTexts(), [
      'ada removed grace',
      'ada opened the room to every member',
      'ada made the room read-only',
      'ada made grace a member',
      'ada made grace an admin',
      'ada removed a message by grace',
    ]);
    await closeMembers(ada);
  });

  it('lets the owner ban the other person, who cannot join again until the owner lifts the ban', async () => {
    const { ada, grace } = people;
    const joinMods = async () => {
      await grace.getByTestId('browse-rooms').click();
      await grace
        .locator('[data-testid="directory-room"][data-room-name="mods"]')
        .getByRole('button', { name: 'Join' })
        .click();
    };
    // Removed without a ban, she may come back.
    await joinMods();
    await roomItem(grace, 'mods').waitFor({ timeout });
    await grace.keyboard.press('Escape');
    await openMembers(ada);
    await member(ada, 'grace').getByRole('button', { name: 'Remove and ban grace from #mods' }).click();
    await member(ada, 'grace').getByTestId('confirm-ban-member').click();
    await ada.getByText('grace is banned: only the owner or an admin can add them back.').waitFor({ timeout });
    await grace.getByText('ada removed and banned you from #mods.').waitFor({ timeout });
    await roomItem(grace, 'mods').waitFor({ state: 'detached', timeout });
    await closeMembers(ada);

    // Banned, she is told so when she tries to join.
    await joinMods();
    await grace.getByText('You were banned from this room.').waitFor({ timeout });
    await grace.keyboard.press('Escape');
    assert.equal(await roomItem(grace, 'mods').count(), 0);
    // The owner sees her among the banned and lifts the ban; she joins again herself.
    await openMembers(ada);
    await ada.getByTestId('bans-toggle').click();
    const ban = ada.locator('[data-testid="ban"][data-username="grace"]');
    await ban.waitFor({ timeout });
    await ban.getByTestId('unban').click();
    await ada.getByText('Nobody is banned.').waitFor({ timeout });
    await closeMembers(ada);
    await joinMods();
    await roomItem(grace, 'mods').waitFor({ timeout });
    await grace.keyboard.press('Escape');
    await openMembers(ada);
    await ada.getByTestId('audit-log-toggle').click();
    await ada.getByText('ada lifted the ban on grace').waitFor({ timeout });
    // Banned by name from the same view: she is removed, told, and listed.
    await ada.getByTestId('bans-toggle').click();
    await ada.getByTestId('ban-username').fill('Grace');
    await ada.getByTestId('ban-submit').click();
    await ban.waitFor({ timeout });
    await grace.getByText('ada removed and banned you from #mods.').waitFor({ timeout });
    await roomItem(grace, 'mods').waitFor({ state: 'detached', timeout });
    await closeMembers(ada);
  });

  it('lets a server admin deactivate the other person, who is signed out and cannot sign in again', async () => {
    const { ada, grace } = people;
    await roomItem(ada, 'general').click();
    await openMembers(ada);
    await member(ada, 'grace').getByRole('button', { name: 'Deactivate grace’s account' }).click();
    await member(ada, 'grace').getByTestId('confirm-deactivate').click();
    await ada.getByText('grace is deactivated.').waitFor({ timeout });
    // Her session ended with her connection: the sign-in screen comes back, and signing in is refused.
    await grace.getByTestId('sign-in-submit').waitFor({ timeout });
    await grace.getByTestId('mode-sign-in').click();
    await grace.getByTestId('username-input').fill('grace');
    await grace.getByTestId('password-input').fill(testPassword);
    await grace.getByTestId('sign-in-submit').click();
    await grace.getByText('This account has been deactivated.').waitFor({ timeout });
    await closeMembers(ada);
  });
});
