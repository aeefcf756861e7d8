/**
 * Every answer fits one API Gateway WebSocket message (128 KB), on every store:
 * the store is filled with the largest content the chat accepts (4,000-character
 * messages of 4-byte characters, 24-character usernames, 32-character room
 * names, 250-character topics) and with more entries than a page holds, then
 * the real handlers are asked over a real socket. Every frame must stay within the limit, and
 * following the cursors must return each entry exactly once, in order.
 *
 * @example
 * runAnswerSizeSuite('SQLite', async () => ({ store, fanOut: 'channels', close: () => store.close() }));
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatLimits } from '../src/domain/limits.ts';
import { normalizeEmoji } from '../src/domain/reactions.ts';
import type { Room, RoomId, User } from '../src/domain/types.ts';
import { groupRoomId } from '../src/domain/views.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { mapLimit } from '../src/store/dynamodb/table.ts';
import { type ChatOnStore, startChatOnStore } from './chat-on-store.ts';
import { ChatClient, type Frame } from './chat-test-client.ts';
import { appendMessages } from './store-fixtures.ts';

export interface SizedStore {
  store: ChatStore;
  /** How the deployment of this store broadcasts. */
  fanOut: 'channels' | 'posting';
  /**
   * Makes the users members of the room by writing what `addMember` writes, in
   * bulk: for a store where one sequenced write per member takes most of a
   * test's time. @default `addMember` for each
   */
  addMembers?(room: Room, users: readonly User[]): Promise<void>;
  close(): Promise<void>;
}

/** The longest text a message may have, in the characters that take the most bytes in JSON (4 each). */
const LONGEST_TEXT = '😀'.repeat(ChatLimits.messageMaxLength);
/** The most different emoji a message takes, each among the longest there are (a kiss with two skin tones: 15 UTF-16 code units). */
const tones = ['\u{1F3FB}', '\u{1F3FC}', '\u{1F3FD}', '\u{1F3FE}', '\u{1F3FF}'];
const LONGEST_EMOJI = tones
  .flatMap((a) => tones.map((b) => `\u{1F469}${a}\u200D\u2764\uFE0F\u200D\u{1F48B}\u200D\u{1F468}${b}`))
  .slice(0, ChatLimits.reactionEmojiMaxPerMessage)
  .map(normalizeEmoji);
/** The longest topic a room may have, in 4-byte characters. */
const LONGEST_TOPIC = '😀'.repeat(ChatLimits.topicMaxLength);
/** Entries beyond one page of each listing. */
const BEYOND_A_PAGE = 10;

let counter = 0;
/** A unique name of exactly `length` characters from `a-z0-9`. */
function longName(length: number): string {
  const unique = `${(++counter).toString(36)}${randomUUID().replaceAll('-', '')}`;
  return `n${unique}${'x'.repeat(length)}`.slice(0, length);
}

/** A socket that also records the byte size of every frame it receives. */
async function sizedClient(chat: ChatOnStore, user: User): Promise<{ client: ChatClient; sizes: number[] }> {
  const client = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user));
  const sizes: number[] = [];
  client.socket.on('message', (data: Buffer) => sizes.push(data.length));
  return { client, sizes };
}

function assertFits(sizes: readonly number[], what: string): void {
  const largest = Math.max(...sizes);
  assert.ok(largest <= ChatLimits.answerMaxBytes, `${what}: a frame of ${largest} bytes`);
}

function assertOnceInOrder(got: readonly string[], expected: readonly string[], what: string): void {
  assert.equal(new Set(got).size, got.length, `${what}: an entry came twice`);
  assert.deepEqual(got, expected, `${what}: every entry, in order`);
}

export function runAnswerSizeSuite(name: string, open: () => Promise<SizedStore>): void {
  describe(`answers fit one 128 KB message: ${name}`, () => {
    let sized: SizedStore;
    let store: ChatStore;
    let chat: ChatOnStore;
    const sockets: ChatClient[] = [];
    let at = Date.now();
    const now = () => ++at;

    before(async () => {
      sized = await open();
      store = sized.store;
      chat = await startChatOnStore(store, sized.fanOut);
    });
    after(async () => {
      await Promise.all(sockets.map((socket) => socket.close()));
      await chat?.close();
      await sized?.close();
    });

    const newUser = (): Promise<User> =>
      store.createUser({ id: randomUUID(), username: longName(24), guest: false, createdAt: now() });
    const newRoom = (): Promise<Room> =>
      store.createRoom({ id: randomUUID(), name: longName(32), createdBy: null, createdAt: now() });
    const connect = async (user: User) => {
      const sizedSocket = await sizedClient(chat, user);
      sockets.push(sizedSocket.client);
      return sizedSocket;
    };
    it('history: pages of the longest messages, cut by bytes, each message once', async () => {
      const viewer = await newUser();
      const room = await newRoom();
      await store.addMember(room.id, viewer.id, now());
      await appendMessages(store, room, viewer, 25, () => LONGEST_TEXT);
      const { client, sizes } = await connect(viewer);

      const pages: Frame[][] = [];
      let before: number | undefined;
      for (let hasMore = true; hasMore; ) {
        const page = await client.ok({
          action: 'history',
          roomId: room.id,
          limit: ChatLimits.historyMaxLimit,
          ...(before !== undefined && { before }),
        });
        assert.ok(page.messages.length > 0, 'every page moves on');
        pages.unshift(page.messages);
        before = page.messages[0].seq;
        hasMore = page.hasMore;
      }
      assert.ok(pages.length > 1, 'the 25 messages do not fit one frame');
      assertFits(sizes, 'history');
      const messages = pages.flat();
      assertOnceInOrder(
        messages.map((message) => String(message.seq)),
        messages
          .map((message) => message.seq as number)
          .sort((a, b) => a - b)
          .map(String),
        'history',
      );
      assert.equal(messages.length, 25);
      assert.ok(messages.every((message) => message.text === LONGEST_TEXT));
    });

    it('thread and threads: the longest roots and replies, cut by bytes, each once', async () => {
      const viewer = await newUser();
      const room = await newRoom();
      await store.addMember(room.id, viewer.id, now());
      const post = (text: string) =>
        store.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: viewer.id,
          authorName: viewer.username,
          text,
          clientMessageId: null,
          at: now(),
        });
      const { message: root } = await post(LONGEST_TEXT);
      for (let i = 0; i < 25; i++) {
        await store.appendReply({
          id: randomUUID(),
          roomId: room.id,
          rootId: root.id,
          alsoToRoom: false,
          authorId: viewer.id,
          authorName: viewer.username,
          text: LONGEST_TEXT,
          clientMessageId: null,
          at: now(),
        });
      }
      const roots = [root];
      for (let i = 0; i < ChatLimits.threadsPageSize + BEYOND_A_PAGE - 1; i++)
        roots.push((await post(LONGEST_TEXT)).message);
      for (const followed of roots) await store.markThreadRead(viewer.id, followed, followed.seq);
      const { client, sizes } = await connect(viewer);

      const replies: Frame[][] = [];
      let before: number | undefined;
      for (let hasMore = true; hasMore; ) {
        const page = await client.ok({
          action: 'thread',
          rootId: root.id,
          limit: ChatLimits.threadMaxLimit,
          ...(before !== undefined && { before }),
        });
        assert.equal(page.root.id, root.id);
        assert.ok(page.replies.length > 0, 'every page moves on');
        replies.unshift(page.replies);
        before = page.replies[0].seq;
        hasMore = page.hasMore;
      }
      assert.ok(replies.length > 1, 'the 25 replies do not fit one frame');
      const seqs = replies.flat().map((reply) => reply.seq as number);
      assertOnceInOrder(seqs.map(String), [...seqs].sort((a, b) => a - b).map(String), 'thread');
      assert.equal(seqs.length, 25);

      const listed: string[] = [];
      let pages = 0;
      for (let hasMore = true, beforeRoot: number | undefined; hasMore; pages++) {
        const page = await client.ok({
          action: 'threads',
          roomId: room.id,
          ...(beforeRoot !== undefined && { before: beforeRoot }),
        });
        assert.ok(page.threads.length > 0, 'every page moves on');
        listed.push(...page.threads.map((thread: Frame) => thread.root.id as string));
        beforeRoot = page.threads.at(-1).root.seq;
        hasMore = page.hasMore;
      }
      assert.ok(pages > 1, 'the threads do not fit one frame');
      assertFits(sizes, 'thread and threads');
      assertOnceInOrder(
        listed,
        [...roots].reverse().map((followed) => followed.id),
        'threads',
      );
    });

    it('history and catchUp: messages at every reaction limit, cut by bytes, each once', async () => {
      const viewer = await newUser();
      const room = await newRoom();
      await store.addMember(room.id, viewer.id, now());
      const count = 4;
      await appendMessages(store, room, viewer, count, () => LONGEST_TEXT);
      const { messages } = await store.listMessages(room.id, { limit: count });
      // The most reactions a message takes, by people with the longest names, on the longest emoji.
      const reactors = Array.from({ length: ChatLimits.reactionsMaxPerMessage }, () => ({
        id: randomUUID(),
        username: longName(24),
      }));
      for (const message of messages) {
        for (const [i, user] of reactors.entries()) {
          const emoji = LONGEST_EMOJI[i % LONGEST_EMOJI.length]!;
          await store.reactToMessage(message.id, { emoji, user, add: true }, now());
        }
      }
      const { client, sizes } = await connect(viewer);

      const seen: Frame[] = [];
      let before: number | undefined;
      for (let hasMore = true, pages = 0; hasMore; pages++) {
        assert.ok(pages < 10, 'history ends');
        const page = await client.ok({ action: 'history', roomId: room.id, ...(before !== undefined && { before }) });
        assert.ok(page.messages.length > 0, 'every page moves on');
        seen.unshift(...page.messages);
        before = page.messages[0].seq;
        hasMore = page.hasMore;
      }
      assert.deepEqual(
        seen.map((message) => message.id),
        messages.map((message) => message.id),
      );
      assert.ok(
        seen.every((message) => message.reactions.length === ChatLimits.reactionEmojiMaxPerMessage),
        'every reaction is there',
      );
      const historyFrames = sizes.length;
      assert.ok(historyFrames > 1, 'four such messages do not fit one frame');

      // Every reaction event carries its message: the last few already need more than one frame.
      const head = (await store.getRoom(room.id))!.lastSeq;
      const tail = 12;
      const caught: number[] = [];
      for (let lastSeq = head - tail, more = true, answers = 0; more; answers++) {
        assert.ok(answers < tail, 'catch-up ends');
        const answer = await client.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq }] });
        const entry = answer.rooms[0];
        assert.ok(entry.events.length > 0 || !entry.hasMore, 'every answer moves on');
        caught.push(...entry.events.map((event: Frame) => event.seq));
        lastSeq = entry.events.at(-1)?.seq ?? lastSeq;
        more = entry.hasMore;
      }
      assert.deepEqual(
        caught,
        Array.from({ length: tail }, (_, i) => head - tail + 1 + i),
      );
      assert.ok(sizes.length - historyFrames > 1, 'twelve such events do not fit one frame');
      assertFits(sizes, 'history and catchUp with reactions');
    });

    it('catchUp: busy rooms share one frame, and following hasMore gives every event once', async () => {
      const viewer = await newUser();
      const rooms = [await newRoom(), await newRoom(), await newRoom()];
      const from = new Map<RoomId, number>();
      for (const room of rooms) {
        await store.addMember(room.id, viewer.id, now());
        from.set(room.id, (await store.getRoom(room.id))!.lastSeq);
      }
      await appendMessages(store, rooms[0]!, viewer, 15, () => LONGEST_TEXT);
      await appendMessages(store, rooms[1]!, viewer, 15, () => LONGEST_TEXT);
      // The third stays quiet: it is complete in every answer.
      const { client, sizes } = await connect(viewer);

      const applied = new Map<RoomId, number[]>(rooms.map((room) => [room.id, []]));
      let wanted = rooms.map((room) => ({ roomId: room.id, lastSeq: from.get(room.id)! }));
      let answers = 0;
      while (wanted.length > 0) {
        const answer = await client.ok({ action: 'catchUp', rooms: wanted });
        answers++;
        assert.deepEqual(answer.notMember, []);
        const next: typeof wanted = [];
        for (const entry of answer.rooms as Frame[]) {
          const seqs = applied.get(entry.roomId)!;
          for (const event of entry.events as Frame[]) seqs.push(event.seq);
          if (entry.hasMore) next.push({ roomId: entry.roomId, lastSeq: seqs.at(-1) ?? from.get(entry.roomId)! });
        }
        assert.ok(answers < 50, 'catch-up ends');
        wanted = next;
      }
      assert.ok(answers > 2, 'thirty long messages take several frames');
      assertFits(sizes, 'catchUp');
      for (const room of rooms) {
        const lastSeq = (await store.getRoom(room.id))!.lastSeq;
        const expected = Array.from({ length: lastSeq - from.get(room.id)! }, (_, i) =>
          String(from.get(room.id)! + 1 + i),
        );
        assertOnceInOrder(applied.get(room.id)!.map(String), expected, `catchUp of ${room.name}`);
      }
    });

    it('hello, online, members and listRooms: more users and rooms than a page, each once', async () => {
      const viewer = await newUser();
      // More rooms than a page, all the viewer's, all in the directory.
      const rooms = await mapLimit(Array.from({ length: ChatLimits.roomsPageSize + BEYOND_A_PAGE }), 8, async () => {
        const room = await newRoom();
        await store.addMember(room.id, viewer.id, now());
        // The longest topic: every room summary and directory entry carries it.
        await store.setRoomTopic(room.id, LONGEST_TOPIC, viewer.id, now());
        return room;
      });
      // A crowd: more members than a page, and more of them online than a page.
      const crowd = rooms[0]!;
      const online = ChatLimits.onlinePageSize + BEYOND_A_PAGE;
      const users = await mapLimit(Array.from({ length: online + BEYOND_A_PAGE }), 8, () => newUser());
      if (sized.addMembers) await sized.addMembers(crowd, users);
      else for (const user of users) await store.addMember(crowd.id, user.id, now());
      await mapLimit(users.slice(0, online), 8, (user) =>
        store.addConnection({ connectionId: randomUUID(), userId: user.id, connectedAt: now() }),
      );
      const { client, sizes } = await connect(viewer);

      // hello: first pages, with cursors.
      const welcome = await client.ok({ action: 'hello' });
      assert.ok(welcome.roomsCursor && welcome.onlineCursor, 'both lists continue');
      const joined: string[] = welcome.rooms.map((room: Frame) => room.id);
      for (let cursor = welcome.roomsCursor; cursor; ) {
        const page = await client.ok({ action: 'listRooms', cursor });
        assert.deepEqual(page.directory, [], 'a welcome cursor continues your rooms only');
        joined.push(...page.joined.map((room: Frame) => room.id));
        cursor = page.nextCursor;
      }
      const viewerRooms = rooms.map((room) => room.id).sort();
      assertOnceInOrder(joined, viewerRooms, 'welcome rooms');
      const seenOnline: Frame[] = [...welcome.online];
      for (let cursor = welcome.onlineCursor; cursor; ) {
        const page = await client.ok({ action: 'online', cursor });
        seenOnline.push(...page.users);
        cursor = page.nextCursor;
      }
      // The other tests' viewers are online too: all are listed, each once, by username.
      const onlineNames = seenOnline.map((user) => user.username as string);
      assertOnceInOrder(onlineNames, [...onlineNames].sort(), 'online');
      const onlineUsers = [...users.slice(0, online), viewer];
      const listed = new Set(seenOnline.map((user) => user.id as string));
      assert.ok(
        onlineUsers.every((user) => listed.has(user.id)),
        'every online user is listed',
      );

      // members: every member once, by username, with who is online.
      const members: Frame[] = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await client.ok({ action: 'members', roomId: crowd.id, ...(cursor && { cursor }) });
        members.push(...page.members);
        cursor = page.nextCursor;
      }
      const everyone = [...users, viewer].sort((a, b) => (a.username < b.username ? -1 : 1));
      assertOnceInOrder(
        members.map((member) => member.user.id),
        everyone.map((user) => user.id),
        'members',
      );
      const onlineIds = new Set(onlineUsers.map((user) => user.id));
      assert.ok(
        members.every((member) => member.online === onlineIds.has(member.user.id)),
        'online flags',
      );

      // listRooms from the start: the viewer's rooms, then the whole directory.
      const listedJoined: string[] = [];
      const directory: Frame[] = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await client.ok({ action: 'listRooms', ...(cursor && { cursor }) });
        listedJoined.push(...page.joined.map((room: Frame) => room.id));
        directory.push(...page.directory);
        cursor = page.nextCursor;
      }
      assertOnceInOrder(listedJoined, viewerRooms, 'listRooms joined');
      const names = directory.map((room) => room.name as string);
      assertOnceInOrder(names, [...names].sort(), 'directory');
      for (const room of rooms) assert.ok(names.includes(room.name!), `${room.name} is in the directory`);

      assertFits(sizes, 'hello, online, members, listRooms');
    });

    it('hello, listRooms and findUsers: more of the largest group conversations than a page, each once', async () => {
      const viewer = await newUser();
      // Enough people for a page and more of distinct groups of the largest size, every name the longest.
      const others = await mapLimit(Array.from({ length: ChatLimits.groupMaxMembers + 6 }), 8, () => newUser());
      // Group i leaves out the first seven people at the set bits of i (i < 128) and fills up from the
      // rest: its first seven differ from every other group's.
      const groups = Array.from({ length: ChatLimits.roomsPageSize + BEYOND_A_PAGE }, (_, i) => {
        const members: User[] = [];
        for (let j = 0; members.length < ChatLimits.groupMaxMembers - 1; j++) {
          if (j < 7 && (i >> j) % 2 === 1) continue;
          members.push(others[j]!);
        }
        return [viewer, ...members];
      });
      assert.equal(new Set(groups.map((group) => groupRoomId(group.map((user) => user.id)))).size, groups.length);
      const ids = await mapLimit(groups, 8, async (group) => {
        const userIds = group.map((user) => user.id);
        return (await store.openDirect({ id: groupRoomId(userIds), userIds, createdAt: now() })).room.id;
      });
      const { client, sizes } = await connect(viewer);
      const welcome = await client.ok({ action: 'hello' });
      const joined: Frame[] = [...welcome.rooms];
      for (let cursor = welcome.roomsCursor; cursor; ) {
        const page = await client.ok({ action: 'listRooms', cursor });
        joined.push(...page.joined);
        cursor = page.nextCursor;
      }
      const groupsSeen = joined.filter((room) => room.members !== undefined);
      assertOnceInOrder(
        groupsSeen.map((room) => room.id as string),
        [...ids].sort(),
        'welcome groups',
      );
      assert.ok(groupsSeen.every((room) => room.members.length === ChatLimits.groupMaxMembers - 1));

      // findUsers: every user whose name starts with the prefix once, by username, in byte-bounded pages.
      const prefix = others[0]!.username.slice(0, 1);
      const found: string[] = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await client.ok({ action: 'findUsers', query: prefix, ...(cursor && { cursor }) });
        found.push(...page.users.map((user: Frame) => user.username as string));
        cursor = page.nextCursor;
      }
      assertOnceInOrder(found, [...found].sort(), 'findUsers');
      for (const user of [viewer, ...others]) assert.ok(found.includes(user.username), `${user.username} is found`);

      assertFits(sizes, 'hello, listRooms with groups, findUsers');
    });
  });
}
