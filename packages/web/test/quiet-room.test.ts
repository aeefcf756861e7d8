/**
 * The web client in Chromium against the real chat server: a message whose
 * broadcast is lost (the server's broadcaster drops that publish) still shows
 * on the other member's screen at their next heartbeat, with nothing else said
 * in the room. The heartbeat is shortened to a second here; the default is 25 s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { droppingPublishes } from '../../chat/test/dropping-broadcaster.ts';
import { messageWithText, newPage, say, signUp, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';

describe('web client in a quiet room', () => {
  let chat: BrowserChat;
  let ada: Page;
  let grace: Page;
  /** While set, room messages whose text is this are not published: their broadcast is lost. */
  let losing: string | null = null;
  const lost: string[] = [];

  const dropping = droppingPublishes((message) => {
    if (message.type !== 'message' || message.message.text !== losing) return false;
    lost.push(message.message.id);
    return true;
  });

  before(async () => {
    chat = await BrowserChat.start({ heartbeatIntervalMs: 1000, broadcaster: dropping });
    ada = await newPage(chat.browser);
    grace = await newPage(chat.browser);
  });

  after(async () => {
    await chat?.close();
  });

  it('shows a message whose broadcast was lost at the next heartbeat, nothing else sent', async () => {
    await signUp(ada, chat.server.url, 'ada');
    await signUp(grace, chat.server.url, 'grace');
    await say(ada, 'heard live');
    await messageWithText(grace, 'heard live').waitFor({ timeout });

    losing = 'lost on the way';
    await say(ada, 'lost on the way');
    // Acknowledged to ada (stored), never published to grace.
    await messageWithText(ada, 'lost on the way').waitFor({ timeout });
    await ada.getByTestId('pending-message').waitFor({ state: 'detached', timeout });
    assert.equal(lost.length, 1, 'the publish was dropped');
    await messageWithText(grace, 'lost on the way').waitFor({ timeout });
    assert.equal(await messageWithText(grace, 'lost on the way').count(), 1);
  });
});
