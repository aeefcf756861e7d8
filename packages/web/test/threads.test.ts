/**
 * Threads in Chromium against the real chat server: two people hold a thread
 * conversation live (each sees the other's replies arrive in the panel, and the
 * reply count appear on the root), a reply also sent to the room shows in the
 * room marked as a thread reply, an unread thread is marked until it is opened,
 * all from the keyboard too; a thread only opened is followed; a reply written while both were offline arrives with
 * catch-up; replies are edited, reacted to and deleted in the panel; the room's followed threads are
 * listed, unread ones marked; the panel fits a 390-px-wide screen in
 * light and dark mode.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { DATABASE_FILE, SqliteChatStore } from '../../chat/src/store/sqlite/sqlite-chat-store.ts';
import { connectionState, messageWithText, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('threads in Chromium', () => {
  const people = withTwoPeople();

  const panel = (page: Page) => page.getByTestId('thread-panel');
  const reply = (page: Page, text: string) =>
    panel(page)
      .getByTestId('thread-reply')
      .filter({ has: page.getByTestId('thread-message-text').filter({ hasText: text }) });
  const summary = (message: Locator, count: number) =>
    message.getByTestId('thread-summary').filter({ hasText: new RegExp(`^(?:${count} repl(?:y|ies))`) });

  async function replyInPanel(page: Page, text: string): Promise<void> {
    const input = panel(page).getByTestId('thread-input');
    await input.fill(text);
    await input.press('Enter');
  }

  it('holds a thread conversation live, with the reply count on the root for the other person', async () => {
    const { ada, grace } = people;
    await say(ada, 'Who reviews the release notes?');
    const onAda = messageWithText(ada, 'Who reviews the release notes?');
    const onGrace = messageWithText(grace, 'Who reviews the release notes?');
    await onGrace.waitFor({ timeout });

    // Grace opens the thread from the message's Reply action and answers there.
    await onGrace.hover();
    await onGrace.getByTestId('reply-in-thread').click();
    await panel(grace).waitFor({ timeout });
    assert.equal(await grace.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'thread-input');
    await panel(grace)
      .getByTestId('thread-root')
      .filter({ hasText: 'Who reviews the release notes?' })
      .waitFor({ timeout });
    await replyInPanel(grace, 'I can, after lunch');
    await reply(grace, 'I can, after lunch').waitFor({ timeout });

    // Ada sees the count appear on her message, marked unread (her message, someone replied), live.
    await summary(onAda, 1).waitFor({ timeout });
    await onAda.getByTestId('thread-unread').waitFor({ timeout });
    // The reply stays out of the room's timeline.
    assert.equal(await messageWithText(ada, 'I can, after lunch').count(), 0);

    // She opens it from the count: the reply is there, and the thread is read.
    await summary(onAda, 1).click();
    await reply(ada, 'I can, after lunch').waitFor({ timeout });
    await onAda.getByTestId('thread-unread').waitFor({ state: 'detached', timeout });

    // They go back and forth; each sees the other's replies arrive in the open panel.
    await replyInPanel(ada, 'Thanks! Tag me when done');
    await reply(grace, 'Thanks! Tag me when done').waitFor({ timeout });
    await summary(onGrace, 2).waitFor({ timeout });
    await replyInPanel(grace, 'Will do');
    await reply(ada, 'Will do').waitFor({ timeout });
    await summary(onAda, 3).waitFor({ timeout });
    // Both have the thread open and in view: nobody's is unread.
    assert.equal(await onAda.getByTestId('thread-unread').count(), 0);
  });

  it('also sends a reply to the room, marked as a thread reply, and marks a thread unread while it is closed', async () => {
    const { ada, grace } = people;
    await panel(grace).getByTestId('thread-also-to-room').check();
    await replyInPanel(grace, 'Done, notes are reviewed');
    const inRoom = messageWithText(ada, 'Done, notes are reviewed');
    await inRoom.waitFor({ timeout });
    await inRoom.getByTestId('thread-reply-marker').waitFor({ timeout });
    await reply(ada, 'Done, notes are reviewed').waitFor({ timeout });
    assert.equal(await panel(grace).getByTestId('thread-also-to-room').isChecked(), true);

    // Ada closes the thread with Escape (focus goes back); a new reply marks it unread on her root.
    await panel(ada).getByTestId('thread-input').focus();
    await ada.keyboard.press('Escape');
    await panel(ada).waitFor({ state: 'detached', timeout });
    await panel(grace).getByTestId('thread-also-to-room').uncheck();
    await replyInPanel(grace, 'One more thing');
    const root = messageWithText(ada, 'Who reviews the release notes?');
    await summary(root, 5).waitFor({ timeout });
    await root.getByTestId('thread-unread').waitFor({ timeout });

    // From the keyboard: T on the focused root opens its thread, which reads it.
    await root.focus();
    await ada.keyboard.press('t');
    await reply(ada, 'One more thing').waitFor({ timeout });
    await root.getByTestId('thread-unread').waitFor({ state: 'detached', timeout });
    await ada.keyboard.type('Got it');
    await ada.keyboard.press('Enter');
    await reply(grace, 'Got it').waitFor({ timeout });
  });

  it('restores a reply written while both were disconnected, with its count, through catch-up', async () => {
    const { ada, grace, chat } = people;
    const root = messageWithText(grace, 'Who reviews the release notes?');
    const rootId = (await root.getAttribute('data-message-id'))!;
    const adaUser = await ada.evaluate(
      () => JSON.parse(localStorage.getItem('switchboard.session')!).user as { id: string; username: string },
    );
    await summary(root, 6).waitFor({ timeout });

    const port = await chat.stopServer();
    await connectionState(grace, 'reconnecting').waitFor({ timeout });
    // Written in the store while nobody is connected: only catch-up can tell the clients.
    const store = SqliteChatStore.open(join(chat.dataDir, DATABASE_FILE));
    try {
      const { roomId } = (await store.getMessage(rootId))!;
      await store.appendReply({
        id: randomUUID(),
        roomId,
        rootId,
        alsoToRoom: false,
        authorId: adaUser.id,
        authorName: adaUser.username,
        text: 'Written while you were away',
        clientMessageId: null,
        at: Date.now(),
      });
    } finally {
      await store.close();
    }
    await chat.startServer(port);
    for (const page of [ada, grace]) await connectionState(page, 'online').waitFor({ timeout });
    await summary(root, 7).waitFor({ timeout });
    await summary(messageWithText(ada, 'Who reviews the release notes?'), 7).waitFor({ timeout });
    for (const page of [ada, grace]) await reply(page, 'Written while you were away').waitFor({ timeout });
    assert.equal(await messageWithText(grace, 'Written while you were away').count(), 0);
  });

  it('follows a thread that was only opened: a reply that comes later marks it unread', async () => {
    const { ada, grace } = people;
    await say(ada, 'Lunch at noon?');
    const onAda = messageWithText(ada, 'Lunch at noon?');
    const onGrace = messageWithText(grace, 'Lunch at noon?');
    await onGrace.waitFor({ timeout });
    await onGrace.hover();
    await onGrace.getByTestId('reply-in-thread').click();
    await panel(grace).getByTestId('thread-root').filter({ hasText: 'Lunch at noon?' }).waitFor({ timeout });
    await panel(grace).getByTestId('thread-reply-count').filter({ hasText: 'No replies yet' }).waitFor({ timeout });
    await panel(grace).getByRole('button', { name: 'Close thread' }).click();
    await panel(grace).waitFor({ state: 'detached', timeout });

    await onAda.hover();
    await onAda.getByTestId('reply-in-thread').click();
    await panel(ada).getByTestId('thread-root').filter({ hasText: 'Lunch at noon?' }).waitFor({ timeout });
    await replyInPanel(ada, 'Yes, the usual place');
    await summary(onGrace, 1).waitFor({ timeout });
    await onGrace.getByTestId('thread-unread').waitFor({ timeout });
  });

  it('edits, reacts to and deletes messages in the thread panel as in the room, live for both', async () => {
    const { ada, grace } = people;
    const onGrace = messageWithText(grace, 'Lunch at noon?');
    await summary(onGrace, 1).click();
    await reply(grace, 'Yes, the usual place').waitFor({ timeout });
    // Not hers: no Edit or Delete for grace (nobody moderates #general).
    await reply(grace, 'Yes, the usual place').hover();
    assert.equal(await reply(grace, 'Yes, the usual place').getByTestId('edit-message').count(), 0);
    assert.equal(await reply(grace, 'Yes, the usual place').getByTestId('delete-message').count(), 0);

    // Ada edits her reply from its Edit button; Escape in the editor cancels the edit, not the panel.
    const mine = reply(ada, 'Yes, the usual place');
    await mine.hover();
    await mine.getByTestId('edit-message').click();
    const editor = panel(ada).getByTestId('edit-input');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached', timeout });
    assert.equal(await panel(ada).count(), 1);
    await mine.hover();
    await mine.getByTestId('edit-message').click();
    await editor.fill('Yes, the usual place at 12:30');
    await editor.press('Enter');
    const edited = reply(grace, 'Yes, the usual place at 12:30');
    await edited.locator('.message__edited').waitFor({ timeout });

    // Grace reacts from the keyboard: Arrow Up from the empty reply box reaches the newest reply, R opens
    // the picker there, whose first emoji takes focus.
    await panel(grace).getByTestId('thread-input').focus();
    await grace.keyboard.press('ArrowUp');
    assert.equal(await grace.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'thread-reply');
    await grace.keyboard.press('ArrowUp');
    assert.equal(await grace.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'thread-root');
    await grace.keyboard.press('ArrowDown');
    await grace.keyboard.press('r');
    await edited.getByTestId('pick-reaction').first().waitFor({ timeout });
    await grace.keyboard.press('Enter');
    const onAda = reply(ada, 'Yes, the usual place at 12:30');
    await onAda.getByTestId('reaction').filter({ hasText: '👍' }).waitFor({ timeout });
    await panel(grace).waitFor({ timeout });

    // Ada deletes it with the Delete key and the confirmation: both panels show its tombstone.
    await panel(ada).getByTestId('thread-input').focus();
    await ada.keyboard.press('ArrowUp');
    await ada.keyboard.press('Delete');
    await onAda.getByTestId('confirm-delete').waitFor({ timeout });
    assert.equal(await ada.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'confirm-delete');
    await ada.keyboard.press('Enter');
    await reply(grace, 'This message was deleted.').waitFor({ timeout });
    await reply(ada, 'This message was deleted.').waitFor({ timeout });
    await grace.keyboard.press('Escape');
    await panel(grace).waitFor({ state: 'detached', timeout });
  });

  it('lists the room’s followed threads, unread ones marked, and opens one from the list', async () => {
    const { ada, grace } = people;
    await replyInPanel(ada, 'See you there');
    await summary(messageWithText(grace, 'Lunch at noon?'), 2).waitFor({ timeout });

    // The room's Threads button says a followed thread is unread.
    const button = grace.getByTestId('threads-button');
    await button.and(grace.locator('[data-unread="true"]')).waitFor({ timeout });
    assert.equal(await button.getAttribute('aria-label'), 'Threads, 1 unread');
    await button.click();
    const dialog = grace.getByTestId('threads-dialog');
    const item = (text: string) => dialog.getByTestId('thread-item').filter({ hasText: text });
    await item('Lunch at noon?').waitFor({ timeout });
    // Newest root first; grace follows both threads (she replied in one, opened the other).
    assert.deepEqual((await dialog.getByTestId('thread-item').locator('.pin__text').allTextContents()).slice(0, 2), [
      'Lunch at noon?',
      'Who reviews the release notes?',
    ]);
    assert.equal(await item('Lunch at noon?').getAttribute('data-unread'), 'true');
    assert.equal(await item('Who reviews the release notes?').getAttribute('data-unread'), 'false');
    await dialog.getByRole('heading').filter({ hasText: '1 unread' }).waitFor({ timeout });

    await item('Lunch at noon?').getByRole('button', { name: 'Open' }).click();
    await dialog.waitFor({ state: 'hidden', timeout });
    await reply(grace, 'See you there').waitFor({ timeout });
    await messageWithText(grace, 'Lunch at noon?').getByTestId('thread-unread').waitFor({ state: 'detached', timeout });
    await button.and(grace.locator('[data-unread="false"]')).waitFor({ timeout });
    await grace.getByTestId('threads-button').click();
    await item('Lunch at noon?').and(grace.locator('[data-unread="false"]')).waitFor({ timeout });
    await grace.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout });
  });

  it('fits a 390-px-wide screen with the thread open, in light and dark mode', async () => {
    const { ada } = people;
    await ada.setViewportSize({ width: 390, height: 844 });
    await panel(ada).waitFor({ timeout });
    for (const colorScheme of ['light', 'dark'] as const) {
      await ada.emulateMedia({ colorScheme });
      const overflow = await ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
      for (const testId of ['thread-input', 'thread-send', 'thread-also-to-room']) {
        const box = await panel(ada).getByTestId(testId).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${colorScheme}: ${testId} is on screen`);
      }
      const colors = await panel(ada).evaluate((element) => {
        const style = getComputedStyle(element);
        return { background: style.backgroundColor, text: getComputedStyle(element.querySelector('h2')!).color };
      });
      assert.notEqual(colors.background, colors.text, `${colorScheme}: the panel's text shows on its background`);
    }
    await ada.emulateMedia({ colorScheme: null });
    await ada.setViewportSize({ width: 1280, height: 800 });
  });
});
