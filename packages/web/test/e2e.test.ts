/**
 * The web client end to end in Debian's Chromium against the real chat server
 * (SQLite in a temp dir): two people sign up, see each other online and typing,
 * chat, cannot inject markup, search and jump to an old message, and keep going
 * through a server restart without reloading.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { ChatConnection, type WebSocketLike } from '../src/connection/chat-connection.ts';
import { connectionState, messageWithText, newPage, roomItem, say, signUp, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';

describe('web client in Chromium', () => {
  let chat: BrowserChat;
  let ada: Page;
  let grace: Page;

  before(async () => {
    // The search test sends 60 messages in a row as one user: beyond the per-user burst.
    chat = await BrowserChat.start({ rateLimits: { message: { capacity: 100 } } });
    ada = await newPage(chat.browser);
    grace = await newPage(chat.browser);
  });

  after(async () => {
    await chat?.close();
  });

  it('signs two people up into #general and shows each as online to the other', async () => {
    await signUp(ada, chat.server.url, 'ada');
    await signUp(grace, chat.server.url, 'grace');
    await ada.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    await ada.locator('[data-testid="online-user"][data-username="grace"]').waitFor({ timeout });
    await grace.locator('[data-testid="online-user"][data-username="ada"]').waitFor({ timeout });
  });

  it("shows one person's typing to the other, then the message replaces it", async () => {
    await ada.getByTestId('composer-input').fill('Hello grace');
    await grace.getByTestId('typing-indicator').filter({ hasText: 'ada is typing…' }).waitFor({ timeout });
    await ada.getByTestId('composer-input').press('Enter');
    await messageWithText(grace, 'Hello grace').waitFor({ timeout });
    await grace
      .getByTestId('typing-indicator')
      .filter({ hasText: 'ada is typing…' })
      .waitFor({ state: 'detached', timeout });
    await say(grace, 'Ship it on Tuesday?');
    await messageWithText(ada, 'Ship it on Tuesday?').waitFor({ timeout });
    // Each sees the message once: the ack and any live event are applied once by seq.
    assert.equal(await messageWithText(ada, 'Hello grace').count(), 1);
  });

  it('renders markup in a message as text and never runs it', async () => {
    const attack = '<img src=x onerror="window.__pwned = true"><script>window.__pwned = true</script>';
    await say(ada, attack);
    await messageWithText(grace, attack).waitFor({ timeout });
    assert.equal(
      await grace.locator('[data-testid="message-list"] img, [data-testid="message-list"] script').count(),
      0,
    );
    assert.equal(await grace.evaluate(() => (window as { __pwned?: boolean }).__pwned), undefined);
    assert.equal(await ada.evaluate(() => (window as { __pwned?: boolean }).__pwned), undefined);
  });

  it('edits and deletes an own message for both people', async () => {
    await say(ada, 'Typo hree');
    const mine = messageWithText(ada, 'Typo hree');
    await mine.waitFor({ timeout });
    await mine.hover();
    await mine.getByTestId('edit-message').click();
    const editor = ada.getByTestId('edit-input');
    await editor.fill('Typo here');
    await editor.press('Enter');
    await messageWithText(grace, 'Typo here (edited)').waitFor({ timeout });
    const edited = messageWithText(ada, 'Typo here (edited)');
    await edited.hover();
    await edited.getByTestId('delete-message').click();
    await edited.getByRole('button', { name: 'Delete', exact: true }).click();
    await messageWithText(grace, 'This message was deleted.').waitFor({ timeout });
  });

  it('searches with highlights and jumps to a message older than the loaded page', async () => {
    // 60 newer messages push "Ship it on Tuesday?" out of a newcomer's first page (50).
    const token = await ada.evaluate(() => JSON.parse(localStorage.getItem('switchboard.session')!).token as string);
    await sendMany(`${chat.server.webSocketUrl}?token=${token}`, 60);
    await messageWithText(grace, 'filler 60').waitFor({ timeout });

    const lin = await newPage(chat.browser);
    await signUp(lin, chat.server.url, 'lin');
    await messageWithText(lin, 'filler 60').waitFor({ timeout });
    assert.equal(await messageWithText(lin, 'Ship it on Tuesday?').count(), 0);

    await lin.getByTestId('search-button').click();
    await lin.getByTestId('search-input').fill('tues');
    const result = lin.getByTestId('search-result').first();
    await result.waitFor({ timeout });
    assert.match((await result.getByTestId('search-highlight').first().textContent()) ?? '', /^tues/i);
    await result.click();
    const target = messageWithText(lin, 'Ship it on Tuesday?');
    await target.waitFor({ timeout });
    assert.equal(await target.evaluate((element) => element === document.activeElement), true);
    await lin.context().close();
  });

  it('keeps unsent text per room through room switches and a reload; sending clears it', async () => {
    const composer = ada.getByTestId('composer-input');
    await composer.fill('draft for general');
    await ada.locator('[data-testid="online-user"][data-username="grace"]').click();
    await ada.getByTestId('room-title').filter({ hasText: 'grace' }).waitFor({ timeout });
    assert.equal(await composer.inputValue(), '');
    await composer.fill('draft for grace');
    await roomItem(ada, 'general').click();
    await ada.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    assert.equal(await composer.inputValue(), 'draft for general');
    await roomItem(ada, 'grace').click();
    await ada.getByTestId('room-title').filter({ hasText: 'grace' }).waitFor({ timeout });
    assert.equal(await composer.inputValue(), 'draft for grace');

    await ada.reload();
    await connectionState(ada, 'online').waitFor({ timeout });
    await roomItem(ada, 'general').click();
    await ada.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
    assert.equal(await composer.inputValue(), 'draft for general');
    await composer.press('Enter');
    await messageWithText(grace, 'draft for general').waitFor({ timeout });
    assert.equal(await composer.inputValue(), '');
    await roomItem(ada, 'grace').click();
    await ada.getByTestId('room-title').filter({ hasText: 'grace' }).waitFor({ timeout });
    assert.equal(await composer.inputValue(), 'draft for grace');
    await composer.fill('');
    await roomItem(ada, 'general').click();
    await ada.getByTestId('room-title').filter({ hasText: 'general' }).waitFor({ timeout });
  });

  it('reconnects both clients by itself after a server restart, loses nothing and sends what was queued', async () => {
    await ada.getByTestId('composer-input').fill('half-written through the restart');
    const port = await chat.stopServer();
    await connectionState(ada, 'reconnecting').waitFor({ timeout });
    await connectionState(grace, 'reconnecting').waitFor({ timeout });
    // Typed while the server is down: kept, then sent with its client id after the reconnect.
    await say(grace, 'queued while offline');
    await grace.getByTestId('pending-message').waitFor({ timeout });

    await chat.startServer(port);
    // Backoff starts at 0.5 s and doubles; the restart takes well under the first few delays.
    await connectionState(ada, 'online').waitFor({ timeout });
    await connectionState(grace, 'online').waitFor({ timeout });
    await messageWithText(ada, 'queued while offline').waitFor({ timeout });
    assert.equal(await ada.getByTestId('composer-input').inputValue(), 'half-written through the restart');
    await say(ada, 'after restart');
    await messageWithText(grace, 'after restart').waitFor({ timeout });
    assert.equal(await messageWithText(grace, 'queued while offline').count(), 1);
    assert.equal(await grace.getByTestId('pending-message').count(), 0);

    // A fresh load reads the stored history back from the restarted server, paging older on scroll.
    await grace.reload();
    await messageWithText(grace, 'after restart').waitFor({ timeout });
    const list = grace.getByTestId('message-list');
    for (let page = 0; page < 10 && (await grace.getByTestId('history-start').count()) === 0; page++) {
      await list.evaluate((element) => {
        element.scrollTop = 0;
      });
      await grace.waitForTimeout(200);
    }
    await messageWithText(grace, 'Hello grace').waitFor({ timeout });
  });

  it('signs out of every tab of the browser at once, and forgets the drafts', async () => {
    const second = await grace.context().newPage();
    await second.goto(chat.server.url);
    await connectionState(second, 'online').waitFor({ timeout });
    const token = await sessionToken(grace);
    await grace.getByTestId('composer-input').fill('unsent before signing out');
    await grace.getByRole('button', { name: 'Sign out' }).click();
    await grace.getByTestId('sign-in-form').waitFor({ timeout });
    await second.getByTestId('sign-in-form').waitFor({ timeout });
    await second.getByText('You signed out in another tab.').waitFor({ timeout });
    const drafts = await grace.evaluate(() => Object.keys(localStorage).filter((key) => key.includes('draft')));
    assert.deepEqual(drafts, []);
    await second.close();
    // The session ended on the server too: the token no longer opens a connection.
    for (let attempt = 0; attempt < 50 && (await handshakeStatus(chat.server.webSocketUrl, token)) !== 401; attempt++) {
      await grace.waitForTimeout(100);
    }
    assert.equal(await handshakeStatus(chat.server.webSocketUrl, token), 401);
  });

  it('renews its token once half the lifetime has passed, and the new token connects', async () => {
    const page = await newPage(chat.browser);
    await signUp(page, chat.server.url, 'hopper');
    const first = await sessionToken(page);
    // Four days later (a registered user's token lives seven): due for renewal when the app starts.
    await page.clock.setFixedTime(Date.now() + 4 * 86_400_000);
    await page.reload();
    await page.waitForFunction(
      (before) => JSON.parse(localStorage.getItem('switchboard.session') ?? 'null')?.token !== before,
      first,
    );
    await connectionState(page, 'online').waitFor({ timeout });
    assert.equal(await handshakeStatus(chat.server.webSocketUrl, first), 401, 'the old token ended');
    await page.reload();
    await connectionState(page, 'online').waitFor({ timeout });
    await page.context().close();
  });

  it('notices a session ended elsewhere when it cannot reconnect, and asks to sign in again', async () => {
    const page = await newPage(chat.browser);
    await signUp(page, chat.server.url, 'curie');
    const response = await fetch(`${chat.server.url}/api/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await sessionToken(page)}` },
      body: '{}',
    });
    assert.equal(response.status, 204);
    // An open connection outlives its session; the next handshakes are refused.
    await chat.startServer(await chat.stopServer());
    await page.getByText('Your session ended. Sign in again.').waitFor({ timeout });
    await page.getByTestId('sign-in-form').waitFor({ timeout });
    await page.context().close();
  });
});

function sessionToken(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('switchboard.session')!).token as string);
}

/** The HTTP status of a WebSocket handshake with `token`: 101 while its session lives, 401 once it ended. */
function handshakeStatus(webSocketUrl: string, token: string): Promise<number> {
  const socket = new WebSocket(`${webSocketUrl}?token=${encodeURIComponent(token)}`);
  return new Promise<number>((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      socket.terminate();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

/** Sends `count` messages, one after the other, as the token's user with the client's own ChatConnection over Node's `ws`. */
async function sendMany(url: string, count: number): Promise<void> {
  const connection = new ChatConnection({ url, createSocket: (to) => new WebSocket(to) as unknown as WebSocketLike });
  const timer = setTimeout(() => connection.close(), timeout);
  try {
    const welcome = new Promise<string>((resolve) =>
      connection.on('welcome', (hello) => resolve(hello.rooms.find((room) => room.name === 'general')!.id)),
    );
    connection.connect();
    const general = await welcome;
    for (let i = 1; i <= count; i++) {
      const acked = new Promise<void>((resolve, reject) => {
        const off = connection.on('pending', (pending) => {
          if (pending.length > 0) return;
          off();
          resolve();
        });
        connection.on('state', (state) => state === 'offline' && reject(new Error('sending timed out')));
      });
      connection.send(general, `filler ${i}`);
      await acked;
    }
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}
