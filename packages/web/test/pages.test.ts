/**
 * Lists longer than one page (docs/protocol.md, "Pages and cursors"; the
 * server's pages hold 100) in Chromium against the real server: a user in more
 * rooms than the welcome lists, more people online than it lists, a room with
 * more members than one `members` answer, and a directory of more than one page.
 * The client reads every room and everyone online by itself, members and the
 * directory as they are scrolled to (or asked for from the keyboard), and keeps
 * the rooms past the first page through a reconnect; a user in more than a
 * thousand rooms sees them all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ChatClient as ProtocolClient, postJson } from '../../chat/test/chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from '../../chat/test/test-settings.ts';
import { register } from './accounts.ts';
import { connectionState, logIn, newPage, roomItem, timeout } from './browser.ts';
import { BrowserChat } from './browser-chat.ts';

/** Past the server's page size of 100. */
const roomCount = 110;
const guestCount = 110;
/** Eleven pages of rooms after the welcome's. */
const manyRooms = 1_150;

describe('lists longer than one page, in Chromium', () => {
  let chat: BrowserChat;
  let page: Page;
  const guests: ProtocolClient[] = [];

  before(async () => {
    chat = await BrowserChat.start({ rateLimits: relaxedRateLimits, passwordCost: cheapPasswordCost });
  });

  after(async () => {
    await Promise.all(guests.map((guest) => guest.close()));
    await chat?.close();
  });

  it('shows every room, person online, member and directory entry, and keeps the later rooms through a reconnect', async () => {
    const { url, webSocketUrl } = chat.server;
    const ada = await register(url, 'ada');
    const owner = await ProtocolClient.connect(webSocketUrl, ada.token);
    const roomIds: string[] = [];
    for (let i = 0; i < roomCount; i++) {
      const answer = await owner.ok({ action: 'createRoom', name: `room-${String(i).padStart(3, '0')}` });
      roomIds.push(answer.room.id);
    }
    await owner.close();
    // Guests join general: it gets more members than a page, and they are all online.
    for (let i = 0; i < guestCount; i += 10) {
      const sessions = await Promise.all(
        Array.from({ length: Math.min(10, guestCount - i) }, () => postJson(`${url}/api/guest`, {})),
      );
      for (const { status, body } of sessions) {
        assert.equal(status, 201);
        guests.push(await ProtocolClient.connect(webSocketUrl, body.token));
      }
    }
    // The welcome lists rooms by id: this one is past its first page.
    const general = (await guests[0]!.ok({ action: 'hello' })).rooms[0].id as string;
    const lateRoomId = [...roomIds, general].sort()[105]!;
    const lateRoom = `room-${String(roomIds.indexOf(lateRoomId)).padStart(3, '0')}`;
    await guests[0]!.ok({ action: 'joinRoom', roomId: lateRoomId });

    page = await newPage(chat.browser);
    await logIn(page, url, 'ada');
    await waitForCount('[data-testid="room-list"] [data-testid="room-item"]', roomCount + 1);
    await waitForCount('[data-testid="online-user"]', guestCount + 1);

    // Members: the header counts what is loaded; the dialog reads on as it is scrolled.
    await roomItem(page, 'general').click();
    const members = page.getByTestId('room-members');
    await members.filter({ hasText: '100+ members' }).waitFor();
    await members.click();
    await waitForCount('[data-testid="member"]', 100);
    await page.getByTestId('members-more').scrollIntoViewIfNeeded();
    await waitForCount('[data-testid="member"]', guestCount + 1);
    await page.getByTestId('members-more').waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await members.filter({ hasText: `${guestCount + 1} members` }).waitFor();

    // The directory starts after the pages of ada's own rooms; the next page from the keyboard.
    await page.getByTestId('browse-rooms').click();
    await waitForCount('[data-testid="directory-room"]', 100);
    await page.getByTestId('directory-more').focus();
    await page.keyboard.press('Enter');
    await waitForCount('[data-testid="directory-room"]', roomCount + 1);
    await page.keyboard.press('Escape');

    // A restart: the new welcome names only the first 100 rooms again.
    const port = await chat.stopServer();
    await Promise.all(guests.splice(0).map((guest) => guest.close()));
    await chat.startServer(port);
    await connectionState(page, 'online').waitFor({ timeout });
    const grace = await ProtocolClient.connect(webSocketUrl, (await postJson(`${url}/api/guest`, {})).body.token);
    guests.push(grace);
    await grace.ok({ action: 'joinRoom', roomId: lateRoomId });
    await grace.ok({ action: 'sendMessage', roomId: lateRoomId, text: 'still here?', clientMessageId: 'late-1' });
    await page.locator(`[data-testid="room-item"][data-room-name="${lateRoom}"][aria-label$="1 unread"]`).waitFor();
    assert.equal(await count('[data-testid="room-list"] [data-testid="room-item"]'), roomCount + 1);
  });

  it('shows every room of a user in more than a thousand', async () => {
    const { url, webSocketUrl } = chat.server;
    const bob = await register(url, 'bob');
    const owner = await ProtocolClient.connect(webSocketUrl, bob.token);
    for (let i = 0; i < manyRooms; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, manyRooms - i) }, (_, j) =>
          owner.ok({ action: 'createRoom', name: `many-${String(i + j).padStart(4, '0')}` }),
        ),
      );
    }
    await owner.close();
    page = await newPage(chat.browser);
    await logIn(page, url, 'bob');
    // Every page of the listing, general included, each room once.
    await waitForCount('[data-testid="room-list"] [data-testid="room-item"]', manyRooms + 1);
    await roomItem(page, `many-${String(manyRooms - 1).padStart(4, '0')}`).waitFor();
  });

  function count(selector: string): Promise<number> {
    return page.locator(selector).count();
  }

  /** Waits until exactly `expected` elements match (more would be a duplicate). */
  async function waitForCount(selector: string, expected: number): Promise<void> {
    try {
      await page.waitForFunction(
        ([css, n]) => document.querySelectorAll(css as string).length === n,
        [selector, expected] as const,
        { timeout },
      );
    } catch (error) {
      throw new Error(`${selector}: ${await count(selector)} shown, expected ${expected}`, { cause: error });
    }
  }
});
