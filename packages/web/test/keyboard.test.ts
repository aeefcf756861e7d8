/**
 * The web client from the keyboard alone, in Chromium against the real chat
 * server: moving through more messages than the list renders at once (focus
 * survives the window moving), editing and deleting, the composer, switching
 * rooms, and opening a search result; then a 390-px-wide screen in light and
 * dark mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { ChatConnection, type WebSocketLike } from '../src/connection/chat-connection.ts';
import { register } from './accounts.ts';
import { messageWithText, newPage, roomItem, signUp, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';
import { burstText, roomIdByName, sendBurst } from './burst.ts';

/** More than the list renders while following (40 rows): moving through them moves the window. */
const messageCount = 120;

describe('web client from the keyboard', () => {
  let chat: BrowserChat;
  let page: Page;

  before(async () => {
    // The test's own user sends the messages it then moves through: beyond the per-user burst.
    chat = await BrowserChat.start({ rateLimits: { message: { capacity: messageCount + 10 } } });
    page = await newPage(chat.browser);
    await signUp(page, chat.server.url, 'ada');
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem('switchboard.session')!).token as string);
    await createRoom(`${chat.server.webSocketUrl}?token=${encodeURIComponent(token)}`, 'side');
    await roomItem(page, 'side').waitFor({ timeout });
    const general = await roomIdByName(chat.server.webSocketUrl, token, 'general');
    await sendBurst({
      webSocketUrl: chat.server.webSocketUrl,
      token,
      roomId: general,
      count: messageCount,
      prefix: 'note',
      timeoutMs: timeout,
    });
    await messageWithText(page, burstText('note', messageCount)).waitFor({ timeout });
  });

  after(async () => {
    await chat?.close();
  });

  it('moves through more messages than are rendered, edits and deletes one, and returns to the composer', async () => {
    const composer = page.getByTestId('composer-input');
    await composer.focus();
    // Away from the messages: a hovered own message shows its buttons, which would come first.
    await page.mouse.move(0, 0);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(page, 'data-testid'), 'message-list');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedText(page), burstText('note', messageCount));
    for (let i = 0; i < 70; i++) await page.keyboard.press('ArrowUp');
    assert.equal(await focusedText(page), burstText('note', messageCount - 70));

    await page.keyboard.press('Enter');
    assert.equal(await focused(page, 'data-testid'), 'edit-input');
    await page.keyboard.type(' fixed');
    await page.keyboard.press('Enter');
    const edited = `${burstText('note', messageCount - 70)} fixed (edited)`;
    await messageWithText(page, edited).waitFor({ timeout });
    assert.equal(await focusedText(page), edited, 'focus back on the edited message');

    await page.keyboard.press('Delete');
    assert.equal(await focused(page, 'data-testid'), 'confirm-delete');
    await page.keyboard.press('Escape');
    assert.equal(await focusedText(page), edited, 'Escape keeps the message and the focus');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Enter');
    await page
      .locator('[data-testid="message"]:focus [data-testid="message-text"]')
      .filter({ hasText: 'This message was deleted.' })
      .waitFor({ timeout });

    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedText(page), burstText('note', messageCount - 69));
    await page.keyboard.press('End');
    assert.equal(await focusedText(page), burstText('note', messageCount));
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page, 'data-testid'), 'composer-input');

    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(page, 'data-testid'), 'edit-input', 'Arrow Up in the empty composer edits the last one');
    await page.keyboard.press('Escape');
    assert.equal(await focused(page, 'data-testid'), 'composer-input', 'and Escape comes back to the composer');
  });

  it('switches rooms with Alt+Arrow keys and opens a search result with the keyboard', async () => {
    await page.getByTestId('composer-input').focus();
    await page.keyboard.press('Alt+ArrowDown');
    await page.getByTestId('room-title').filter({ hasText: 'side' }).waitFor({ timeout });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');
    await page.keyboard.press('Alt+ArrowUp');
    await page.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    // The switch hands focus to the composer once the room has rendered; Ctrl+K comes after.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');

    await page.keyboard.press('Control+k');
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'search-input');
    await page.keyboard.type(burstText('note', 33));
    await page.getByTestId('search-result').first().waitFor({ timeout });
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(page, 'data-testid'), 'search-result');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (text) => document.activeElement?.querySelector('[data-testid="message-text"]')?.textContent === text,
      burstText('note', 33),
    );
    await page.getByTestId('search-input').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('search-panel').waitFor({ state: 'detached', timeout });
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'composer-input');
  });

  it('stays readable on a 390-px-wide screen in light and dark mode', async () => {
    // A message from someone else, so the newest row has an author and a time.
    const grace = await register(chat.server.url, 'grace');
    const general = await roomIdByName(chat.server.webSocketUrl, grace.token, 'general');
    const send = { webSocketUrl: chat.server.webSocketUrl, token: grace.token, roomId: general, timeoutMs: timeout };
    await sendBurst({ ...send, count: 1, prefix: 'hello' });
    await page.getByTestId('message-list').focus();
    await page.keyboard.press('End');
    await messageWithText(page, burstText('hello', 1)).waitFor({ timeout });
    await page.getByTestId('composer-input').focus();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const colorScheme of ['light', 'dark'] as const) {
      // Reduced motion turns the rows' colour transition off, so the colours read are the final ones.
      await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
      const layout = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        composer: document.querySelector('[data-testid="composer-input"]')!.getBoundingClientRect().width,
      }));
      assert.ok(layout.overflow <= 0, `${colorScheme}: nothing wider than the screen (${layout.overflow} px over)`);
      assert.ok(layout.composer > 200, `${colorScheme}: the composer keeps its width (${layout.composer} px)`);
      for (const selector of ['.message__text', '.message__author', '.message__meta time', '.composer__input']) {
        const ratio = await contrast(page, selector);
        assert.ok(ratio >= 4.5, `${colorScheme}: ${selector} contrast ${ratio.toFixed(2)} (at least 4.5)`);
      }
    }
    await page.emulateMedia({ colorScheme: null, reducedMotion: null });
  });
});

/** An attribute of the focused element. */
function focused(page: Page, attribute: string): Promise<string | null> {
  return page.evaluate((name) => document.activeElement?.getAttribute(name) ?? null, attribute);
}

/** The text of the focused message. */
function focusedText(page: Page): Promise<string | null> {
  return page.evaluate(
    () => document.activeElement?.querySelector('[data-testid="message-text"]')?.textContent ?? null,
  );
}

/** WCAG contrast ratio of the last element matching `selector` (the newest message's) against the surface behind it. */
function contrast(page: Page, selector: string): Promise<number> {
  return page.evaluate(`(() => {
    const element = [...document.querySelectorAll(${JSON.stringify(selector)})].at(-1);
    const rgb = (color) => color.match(/[\\d.]+/g).slice(0, 4).map(Number);
    const luminance = ([r, g, b]) => {
      const [R, G, B] = [r, g, b].map((c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    let behind = element;
    while (behind && rgb(getComputedStyle(behind).backgroundColor)[3] === 0) behind = behind.parentElement;
    const fore = luminance(rgb(getComputedStyle(element).color));
    const back = luminance(rgb(behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)'));
    return (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
  })()`);
}

/** Creates a room as the token's user (their open pages learn of it with `roomJoined`). */
async function createRoom(url: string, name: string): Promise<void> {
  const connection = new ChatConnection({ url, createSocket: (to) => new WebSocket(to) as unknown as WebSocketLike });
  try {
    const welcomed = new Promise<void>((resolve) => connection.on('welcome', () => resolve()));
    connection.connect();
    await welcomed;
    await connection.request({ action: 'createRoom', name });
  } finally {
    connection.close();
  }
}
