/**
 * The web client end to end in Debian's Chromium against the real chat server
 * (SQLite in a temp dir): two people sign up, see each other online and typing,
 * chat, cannot inject markup, search and jump to an old message, and keep going
 * through a server restart without reloading.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { type ChatServer, startChatServer } from '../../chat/src/server.ts';
import { ChatConnection, type WebSocketLike } from '../src/connection/chat-connection.ts';
import {
  connectionState,
  distDir,
  ensureBuilt,
  launchChromium,
  messageWithText,
  newPage,
  say,
  signUp,
  timeout,
} from './browser.ts';

describe('web client in Chromium', () => {
  let dataDir: string;
  let server: ChatServer;
  let browser: Browser;
  let ada: Page;
  let grace: Page;

  before(async () => {
    await ensureBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'chat-e2e-'));
    server = await startChatServer({ port: 0, dataDir, webRoot: distDir, logger: false });
    browser = await launchChromium();
    ada = await newPage(browser);
    grace = await newPage(browser);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs two people up into #general and shows each as online to the other', async () => {
    await signUp(ada, server.url, 'ada');
    await signUp(grace, server.url, 'grace');
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
    await sendMany(`${server.webSocketUrl}?token=${token}`, 60);
    await messageWithText(grace, 'filler 60').waitFor({ timeout });

    const lin = await newPage(browser);
    await signUp(lin, server.url, 'lin');
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

  it('reconnects both clients by itself after a server restart, loses nothing and sends what was queued', async () => {
    const port = Number(new URL(server.url).port);
    await server.close();
    await connectionState(ada, 'reconnecting').waitFor({ timeout });
    await connectionState(grace, 'reconnecting').waitFor({ timeout });
    // Typed while the server is down: kept, then sent with its client id after the reconnect.
    await say(grace, 'queued while offline');
    await grace.getByTestId('pending-message').waitFor({ timeout });

    server = await startChatServer({ port, dataDir, webRoot: distDir, logger: false });
    // Backoff starts at 0.5 s and doubles; the restart takes well under the first few delays.
    await connectionState(ada, 'online').waitFor({ timeout });
    await connectionState(grace, 'online').waitFor({ timeout });
    await messageWithText(ada, 'queued while offline').waitFor({ timeout });
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
});

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
