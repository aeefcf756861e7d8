/**
 * Reactions in Chromium against the real chat server: two people react to a
 * message with the mouse and from the keyboard, and each sees the other's
 * reactions appear, count and go away live; reactions made while both were
 * disconnected arrive with catch-up; the bar fits a 390-px-wide screen.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { DATABASE_FILE, SqliteChatStore } from '../../chat/src/store/sqlite/sqlite-chat-store.ts';
import { connectionState, messageWithText, say, timeout } from './browser.ts';
import { withTwoPeople } from './browser-chat.ts';

describe('reactions in Chromium', () => {
  const people = withTwoPeople();

  /** The reaction with `emoji` on the message, shown with `count` people. */
  const reaction = (message: Locator, emoji: string, count: number) =>
    message.locator(`[data-testid="reaction"][data-emoji="${emoji}"]`).filter({
      has: message
        .page()
        .getByTestId('reaction-count')
        .filter({ hasText: new RegExp(`^${count}$`) }),
    });

  it('shows each person’s reactions to the other live, and takes them away again', async () => {
    await say(people.ada, 'Ship it on Tuesday?');
    const onGrace = messageWithText(people.grace, 'Ship it on Tuesday?');
    const onAda = messageWithText(people.ada, 'Ship it on Tuesday?');
    await onGrace.waitFor({ timeout });

    await onGrace.hover();
    await onGrace.getByTestId('add-reaction').click();
    await onGrace.getByRole('button', { name: 'React with 🎉' }).click();
    await reaction(onAda, '🎉', 1).waitFor({ timeout });
    assert.equal(await reaction(onAda, '🎉', 1).getAttribute('aria-pressed'), 'false');
    assert.match((await reaction(onAda, '🎉', 1).getAttribute('title')) ?? '', /^grace reacted with 🎉$/);

    // Ada joins in by clicking the reaction: both see two, ada's marked as hers.
    await reaction(onAda, '🎉', 1).click();
    await reaction(onGrace, '🎉', 2).waitFor({ timeout });
    await reaction(onAda, '🎉', 2).waitFor({ timeout });
    assert.equal(await reaction(onAda, '🎉', 2).getAttribute('aria-pressed'), 'true');

    // Any emoji, typed into the picker.
    await onAda.hover();
    await onAda.getByTestId('add-reaction').click();
    await onAda.getByTestId('reaction-input').fill('🦄');
    await onAda.getByTestId('reaction-input').press('Enter');
    await reaction(onGrace, '🦄', 1).waitFor({ timeout });

    // Grace takes hers back.
    await reaction(onGrace, '🎉', 2).click();
    await reaction(onAda, '🎉', 1).waitFor({ timeout });
    assert.equal(await reaction(onAda, '🎉', 1).getAttribute('aria-pressed'), 'true');
  });

  it('reacts from the keyboard alone: R on a message, then the picker', async () => {
    await say(people.grace, 'Keyboard people welcome');
    const onAda = messageWithText(people.ada, 'Keyboard people welcome');
    await onAda.waitFor({ timeout });
    await onAda.focus();
    await people.ada.keyboard.press('r');
    // The picker takes focus on its first emoji; Tab moves on, Enter chooses.
    await people.ada.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'React with 👍');
    await people.ada.keyboard.press('Tab');
    await people.ada.keyboard.press('Enter');
    await reaction(messageWithText(people.grace, 'Keyboard people welcome'), '❤️', 1).waitFor({ timeout });
    // Escape closes the picker without reacting, and focus goes back to the message.
    await onAda.focus();
    await people.ada.keyboard.press('r');
    await onAda.getByTestId('reaction-input').waitFor({ timeout });
    await people.ada.keyboard.press('Escape');
    await onAda.getByTestId('reaction-input').waitFor({ state: 'detached', timeout });
    assert.equal(await people.ada.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'message');
  });

  it('restores reactions changed while both were disconnected, through catch-up after the reconnect', async () => {
    const { ada, grace, chat } = people;
    const onAda = messageWithText(ada, 'Ship it on Tuesday?');
    const onGrace = messageWithText(grace, 'Ship it on Tuesday?');
    const messageId = (await onAda.getAttribute('data-message-id'))!;
    const me = (page: Page) =>
      page.evaluate(
        () => JSON.parse(localStorage.getItem('switchboard.session')!).user as { id: string; username: string },
      );
    const [adaUser, graceUser] = [await me(ada), await me(grace)];

    const port = await chat.stopServer();
    await connectionState(grace, 'reconnecting').waitFor({ timeout });
    // Changed in the store while nobody is connected: only catch-up can tell the clients.
    const store = SqliteChatStore.open(join(chat.dataDir, DATABASE_FILE));
    try {
      const user = (who: typeof adaUser) => ({ id: who.id, username: who.username });
      await store.reactToMessage(messageId, { emoji: '🚀', user: user(graceUser), add: true }, Date.now());
      await store.reactToMessage(messageId, { emoji: '🦄', user: user(adaUser), add: false }, Date.now());
    } finally {
      await store.close();
    }
    await chat.startServer(port);
    for (const page of [ada, grace]) await connectionState(page, 'online').waitFor({ timeout });
    for (const message of [onAda, onGrace]) {
      await reaction(message, '🚀', 1).waitFor({ timeout });
      await message.locator('[data-emoji="🦄"]').waitFor({ state: 'detached', timeout });
      await reaction(message, '🎉', 1).waitFor({ timeout });
    }
  });

  it('fits a 390-px-wide screen with the picker open, in light and dark mode', async () => {
    await people.ada.setViewportSize({ width: 390, height: 844 });
    const message = messageWithText(people.ada, 'Ship it on Tuesday?');
    await message.scrollIntoViewIfNeeded();
    await message.focus();
    await people.ada.keyboard.press('r');
    await message.getByTestId('reaction-input').waitFor({ timeout });
    for (const colorScheme of ['light', 'dark'] as const) {
      await people.ada.emulateMedia({ colorScheme });
      const overflow = await people.ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: nothing wider than the screen (${overflow} px over)`);
      const box = await message.getByTestId('reaction-input').boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${colorScheme}: the picker is on screen`);
    }
    await people.ada.keyboard.press('Escape');
    await people.ada.emulateMedia({ colorScheme: null });
  });
});
