/**
 * Mentions and browser notifications in Chromium against the real chat server:
 * ada mentions grace with the composer's suggestions (keyboard only); grace,
 * whose tab is hidden, gets the mention badge in the room list and one
 * Notification API call, and no call for a message that does not mention her;
 * a direct message notifies; muting the room keeps the count and stops the
 * notifications; a thread reply offers the same suggestions, and the person it
 * names follows the thread (unread), is notified, and a click on the
 * notification opens the thread with the mention marked; later replies in a
 * thread she follows notify her too, those in other threads do not. Grace's browser
 * context has the notification permission granted, and an init script records
 * each `new Notification(...)` (keeping the objects, so the test can click one)
 * and lets the test hide the page (`document.visibilityState`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { messageWithText, newPage, roomItem, say, signUp, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';

interface RecordedNotification {
  title: string;
  body: string;
}

declare global {
  interface Window {
    recordedNotifications: RecordedNotification[];
    shownNotifications: Notification[];
    setPageHidden: (hidden: boolean) => void;
  }
}

/**
 * Runs in the page before its scripts: records notifications, and makes visibility settable.
 * A string, not a function: the test's TypeScript transform would add helpers the page lacks.
 */
const instrumentPage = `
  const Real = window.Notification;
  window.recordedNotifications = [];
  window.shownNotifications = [];
  function Recording(title, options) {
    window.recordedNotifications.push({ title, body: (options && options.body) || '' });
    const shown = new Real(title, options);
    window.shownNotifications.push(shown);
    return shown;
  }
  Object.defineProperty(Recording, 'permission', { get: () => Real.permission });
  Object.defineProperty(Recording, 'requestPermission', { value: Real.requestPermission.bind(Real) });
  Object.defineProperty(window, 'Notification', { value: Recording, configurable: true, writable: true });
  let hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => hidden });
  window.setPageHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
`;

const recorded = (page: Page) => page.evaluate(() => window.recordedNotifications);
const setHidden = (page: Page, hidden: boolean) => page.evaluate((value) => window.setPageHidden(value), hidden);

describe('mentions and notifications in Chromium', () => {
  let chat: BrowserChat;
  let ada: Page;
  let grace: Page;

  before(async () => {
    chat = await BrowserChat.start();
    ada = await newPage(chat.browser);
    const context = await chat.browser.newContext();
    context.setDefaultTimeout(timeout);
    await context.grantPermissions(['notifications'], { origin: chat.server.url });
    await context.addInitScript({ content: instrumentPage });
    grace = await context.newPage();
    await signUp(ada, chat.server.url, 'ada');
    await signUp(grace, chat.server.url, 'grace');
  });
  after(() => chat?.close());

  it('suggests members as @ is typed, and the mention badges and notifies the hidden tab', async () => {
    // Ada creates #launch; grace joins it, then goes back to #general and hides her tab.
    await ada.getByTestId('browse-rooms').click();
    await ada.getByTestId('new-room-input').fill('launch');
    await ada.getByTestId('create-room').click();
    await ada.getByTestId('room-title').filter({ hasText: 'launch' }).waitFor({ timeout });
    await grace.getByTestId('browse-rooms').click();
    await grace
      .locator('[data-testid="directory-room"][data-room-name="launch"]')
      .getByRole('button', { name: 'Join' })
      .click();
    await grace.keyboard.press('Escape');
    await roomItem(grace, 'general').click();
    await grace.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await ada.getByTestId('room-members').filter({ hasText: '2' }).waitFor({ timeout });
    await setHidden(grace, true);

    // Ada types "@": @room (she owns the room) and grace are suggested; Arrow Down and Enter take grace.
    const composer = ada.getByTestId('composer-input');
    await composer.click();
    await ada.keyboard.type('@');
    const option = ada.getByTestId('mention-option');
    await option.filter({ hasText: '@grace' }).waitFor({ timeout });
    assert.deepEqual(await option.locator('.mention-suggestions__name').allTextContents(), ['@room', '@grace']);
    assert.equal(await composer.getAttribute('aria-expanded'), 'true');
    assert.equal(await option.first().getAttribute('aria-selected'), 'true');
    await ada.keyboard.press('ArrowDown');
    assert.equal(await option.nth(1).getAttribute('aria-selected'), 'true');
    assert.equal(await composer.getAttribute('aria-activedescendant'), await option.nth(1).getAttribute('id'));
    // A busy page draws its next frame late: the caret must follow the picked name at once,
    // or the keys typed meanwhile land behind it.
    const drawFramesLate = `
      window.drawOnTime = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (callback) => setTimeout(() => window.drawOnTime(callback), 500);
    `;
    await ada.evaluate(drawFramesLate);
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('can you');
    await ada.evaluate('new Promise((drawn) => requestAnimationFrame(drawn))');
    await ada.evaluate('window.requestAnimationFrame = window.drawOnTime');
    await ada.keyboard.type(' review the release notes?');
    assert.equal(await composer.inputValue(), '@grace can you review the release notes?');
    await ada.getByTestId('mentions').waitFor({ state: 'detached', timeout });
    await ada.keyboard.press('Enter');
    const sent = messageWithText(ada, '@grace can you review the release notes?');
    await sent.getByTestId('mention').filter({ hasText: '@grace' }).waitFor({ timeout });

    const launch = roomItem(grace, 'launch');
    await launch.getByTestId('mention-badge').filter({ hasText: '@1' }).waitFor({ timeout });
    await grace.waitForFunction(() => window.recordedNotifications.length === 1);
    assert.deepEqual(await recorded(grace), [
      { title: 'ada in #launch', body: '@grace can you review the release notes?' },
    ]);
    assert.match((await launch.getAttribute('aria-label')) ?? '', /^launch, 1 unread, 1 mention$/);

    // A message that mentions nobody counts as unread and, at the "mentions" level, does not notify.
    await say(ada, 'Also, lunch is at noon');
    await launch.getByTestId('unread-badge').filter({ hasText: '2' }).waitFor({ timeout });
    assert.equal((await recorded(grace)).length, 1);

    // Back in view, grace opens the room: her mention is highlighted, and the badges go.
    await setHidden(grace, false);
    await launch.click();
    const received = messageWithText(grace, '@grace can you review the release notes?');
    await received.getByTestId('mention-me').filter({ hasText: '@grace' }).waitFor({ timeout });
    assert.equal(await launch.getByTestId('mention-badge').count(), 0);
  });

  it('notifies a direct message, and never a muted room, whose mentions still count quietly', async () => {
    // Grace mutes #launch from its notification settings, with the keyboard.
    await roomItem(grace, 'launch').click();
    await grace.getByTestId('room-title').filter({ hasText: 'launch' }).waitFor({ timeout });
    await grace.getByTestId('notifications-button').click();
    const dialog = grace.getByTestId('notifications-dialog');
    await dialog.waitFor({ timeout });
    assert.equal(await dialog.getByTestId('notify-mentions').isChecked(), true);
    assert.equal(await dialog.getByTestId('enable-notifications').count(), 0, 'the permission is granted already');
    await dialog.getByTestId('notify-muted').focus();
    await grace.keyboard.press('Space');
    await grace.getByTestId('notifications-button').and(grace.locator('[data-muted="true"]')).waitFor({ timeout });
    await grace.keyboard.press('Escape');
    await roomItem(grace, 'general').click();
    await grace.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await setHidden(grace, true);

    await say(ada, '@grace one more thing');
    const launch = roomItem(grace, 'launch');
    await launch.getByTestId('mention-badge').filter({ hasText: '@1' }).waitFor({ timeout });
    assert.match((await launch.getAttribute('class')) ?? '', /room-list__item--muted/);
    assert.match((await launch.getAttribute('aria-label')) ?? '', /muted$/);

    // A direct message notifies (direct conversations notify every message by default).
    await ada.locator('[data-testid="online-user"][data-username="grace"]').click();
    await ada.getByTestId('room-title').filter({ hasText: 'grace' }).waitFor({ timeout });
    await say(ada, 'Private word');
    await grace.waitForFunction(() => window.recordedNotifications.length === 2);
    assert.deepEqual((await recorded(grace)).at(-1), { title: 'ada', body: 'Private word' });

    // The setting is the server's: a reload keeps it. Ada, without the permission, is offered to enable it.
    await setHidden(grace, false);
    await grace.reload();
    await roomItem(grace, 'launch').click();
    await grace.getByTestId('notifications-button').and(grace.locator('[data-muted="true"]')).waitFor({ timeout });
    await roomItem(ada, 'launch').click();
    await ada.getByTestId('notifications-button').click();
    await ada.getByTestId('enable-notifications').waitFor({ timeout });
    await ada.keyboard.press('Escape');
  });

  it('names someone in a thread reply: suggested in the thread, followed and notified, opened from the notification', async () => {
    await roomItem(ada, 'general').click();
    await roomItem(grace, 'general').click();
    await grace.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await say(ada, 'Who has the office keys?');
    const onGrace = messageWithText(grace, 'Who has the office keys?');
    await onGrace.waitFor({ timeout });
    await setHidden(grace, true);
    const notified = (await recorded(grace)).length;

    // Ada answers in the message's thread and picks grace from the suggestions there.
    const onAda = messageWithText(ada, 'Who has the office keys?');
    await onAda.hover();
    await onAda.getByTestId('reply-in-thread').click();
    const adaPanel = ada.getByTestId('thread-panel');
    const input = adaPanel.getByTestId('thread-input');
    await input.waitFor({ timeout });
    await ada.keyboard.type('@gr');
    await adaPanel.getByTestId('mention-option').filter({ hasText: '@grace' }).waitFor({ timeout });
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    await ada.keyboard.press('Enter');
    await ada.keyboard.type('do you?');
    assert.equal(await input.inputValue(), '@grace do you?');
    await ada.keyboard.press('Enter');
    await adaPanel
      .getByTestId('thread-reply')
      .getByTestId('mention')
      .filter({ hasText: '@grace' })
      .waitFor({ timeout });

    // Grace never opened the thread: being named makes her follow it, unread, and notifies her.
    await onGrace.getByTestId('thread-unread').waitFor({ timeout });
    await grace.waitForFunction((count) => window.recordedNotifications.length === count + 1, notified);
    assert.deepEqual((await recorded(grace)).at(-1), {
      title: 'ada replied in a thread in #general',
      body: '@grace do you?',
    });
    // A reply only in its thread is no unread message of the room: no mention badge for it.
    assert.equal(await roomItem(grace, 'general').getByTestId('mention-badge').count(), 0);

    // The notification opens the thread, where her name is marked; the thread is read.
    await setHidden(grace, false);
    await grace.evaluate(() => window.shownNotifications.at(-1)?.onclick?.(new Event('click')));
    const gracePanel = grace.getByTestId('thread-panel');
    await gracePanel
      .getByTestId('thread-reply')
      .getByTestId('mention-me')
      .filter({ hasText: '@grace' })
      .waitFor({ timeout });
    await onGrace.getByTestId('thread-unread').waitFor({ state: 'detached', timeout });
    await grace.keyboard.press('Escape');
    await gracePanel.waitFor({ state: 'detached', timeout });

    // She follows the thread now: its next reply notifies her without naming her; a thread she
    // does not follow stays quiet at this level.
    await setHidden(grace, true);
    await adaPanel.getByTestId('thread-input').fill('Found them, never mind');
    await adaPanel.getByTestId('thread-input').press('Enter');
    await grace.waitForFunction((count) => window.recordedNotifications.length === count + 2, notified);
    assert.deepEqual((await recorded(grace)).at(-1), {
      title: 'ada replied in a thread in #general',
      body: 'Found them, never mind',
    });
    await ada.keyboard.press('Escape');
    await say(ada, 'Anyone for coffee?');
    const coffee = messageWithText(ada, 'Anyone for coffee?');
    await coffee.hover();
    await coffee.getByTestId('reply-in-thread').click();
    await adaPanel.getByTestId('thread-input').fill('I will go alone then');
    await adaPanel.getByTestId('thread-input').press('Enter');
    await messageWithText(grace, 'Anyone for coffee?').getByTestId('thread-summary').waitFor({ timeout });
    assert.equal((await recorded(grace)).length, notified + 2);
    await setHidden(grace, false);
    await ada.keyboard.press('Escape');
  });

  it('fits a 390-px-wide screen with the badges and suggestions, in light and dark mode', async () => {
    await grace.setViewportSize({ width: 390, height: 844 });
    const composer = grace.getByTestId('composer-input');
    await composer.fill('');
    await composer.click();
    await grace.keyboard.type('@a');
    await grace.getByTestId('mention-option').filter({ hasText: '@ada' }).waitFor({ timeout });
    for (const colorScheme of ['light', 'dark'] as const) {
      await grace.emulateMedia({ colorScheme });
      const overflow = await grace.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
    }
    await grace.keyboard.press('Escape');
    await grace.getByTestId('mentions').waitFor({ state: 'detached', timeout });
    await grace.emulateMedia({ colorScheme: null });
  });
});
