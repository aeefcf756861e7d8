/**
 * Group direct conversations and finding people in Debian's Chromium against the
 * real chat server: three people talk in a group started from the online list,
 * the same group opens again from a room's member list, and someone who never
 * came online is found by name and messaged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { register } from './accounts.ts';
import { messageWithText, newPage, roomItem, say, signUp, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';

describe('group conversations in Chromium', () => {
  let chat: BrowserChat;
  let ada: Page;
  let bob: Page;
  let cat: Page;

  before(async () => {
    chat = await BrowserChat.start();
    [ada, bob, cat] = [await newPage(chat.browser), await newPage(chat.browser), await newPage(chat.browser)];
    await signUp(ada, chat.server.url, 'ada');
    await signUp(bob, chat.server.url, 'bob');
    await signUp(cat, chat.server.url, 'cat');
  });

  after(async () => {
    await chat?.close();
  });

  const option = (page: Page, username: string) =>
    page.locator(`[data-testid="new-conversation"] [data-testid="person-option"][data-username="${username}"]`);

  it('starts a group of three from the people online, and all three talk in it', async () => {
    await ada.locator('[data-testid="online-user"][data-username="cat"]').waitFor({ timeout });
    await ada.getByTestId('new-conversation-button').click();
    await option(ada, 'bob').getByRole('checkbox').check();
    await option(ada, 'cat').getByRole('checkbox').check();
    const start = ada.getByTestId('start-conversation');
    assert.equal(await start.textContent(), 'Start a group of 3');
    await start.click();
    await ada.getByTestId('room-title').filter({ hasText: 'bob, cat' }).waitFor({ timeout });

    // The others see it among their direct messages, named by the other two.
    await roomItem(bob, 'ada, cat').waitFor({ timeout });
    await roomItem(cat, 'ada, bob').waitFor({ timeout });
    assert.equal(await roomItem(bob, 'ada, cat').getByTestId('group-icon').textContent(), '3');

    await say(ada, 'Lunch at noon, both of you?');
    await roomItem(bob, 'ada, cat').click();
    await roomItem(cat, 'ada, bob').click();
    await messageWithText(bob, 'Lunch at noon, both of you?').waitFor({ timeout });
    await messageWithText(cat, 'Lunch at noon, both of you?').waitFor({ timeout });
    await say(cat, 'Noon works');
    await say(bob, 'Same here');
    for (const page of [ada, bob, cat]) {
      await messageWithText(page, 'Noon works').waitFor({ timeout });
      await messageWithText(page, 'Same here').waitFor({ timeout });
    }
  });

  it('opens the same group again from a room’s member list', async () => {
    await roomItem(bob, 'general').click();
    await bob.getByTestId('room-members').click();
    const members = bob.getByTestId('members-dialog');
    await members.locator('[data-testid="member"][data-username="ada"]').getByTestId('member-pick').check();
    await members.locator('[data-testid="member"][data-username="cat"]').getByTestId('member-pick').check();
    await members.getByTestId('members-start').click();
    await bob.getByTestId('room-title').filter({ hasText: 'ada, cat' }).waitFor({ timeout });
    await messageWithText(bob, 'Lunch at noon, both of you?').waitFor({ timeout });
    // Still one conversation.
    assert.equal(await bob.locator('[data-testid="room-item"][data-room-name="ada, cat"]').count(), 1);
  });

  it('finds someone who never came online by name and messages them', async () => {
    await register(chat.server.url, 'dana');
    await ada.getByTestId('new-conversation-button').click();
    // The name field has the focus: typing goes there.
    await ada.keyboard.type('DA');
    await option(ada, 'dana').getByRole('checkbox').check();
    const start = ada.getByTestId('start-conversation');
    assert.equal(await start.textContent(), 'Message dana');
    // Enter in the search field starts it: everything works from the keyboard.
    await ada.getByTestId('people-search').press('Enter');
    await ada.getByTestId('room-title').filter({ hasText: 'dana' }).waitFor({ timeout });
    await say(ada, 'Welcome aboard, dana');
    await messageWithText(ada, 'Welcome aboard, dana').waitFor({ timeout });

    await ada.getByTestId('new-conversation-button').click();
    await ada.getByTestId('people-search').fill('nobody-by-that-name');
    await ada.getByTestId('people-none').waitFor({ timeout });
  });
});
