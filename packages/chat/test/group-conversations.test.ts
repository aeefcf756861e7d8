/**
 * Group direct conversations (`openGroup`) and finding people by name
 * (`findUsers`) end to end: real `ws` clients through the real gateway of an
 * embedded server on a SQLite file. Every action's answer and every refusal is
 * checked as a client sees it; negative assertions ("eve never receives X") are
 * made after a `ping` round trip, which proves every earlier frame has arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatErrorCode } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Session } from '../src/domain/types.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { ChatClient, type Frame, postJson, register } from './chat-test-client.ts';
import { embeddedTestServer, relaxedRateLimits } from './test-settings.ts';

/** Small enough to reach in a test, large enough for the paging test's few lookups per user. */
const LOOKUP_BURST = 5;

describe('group direct conversations and finding people, over the gateway on SQLite', () => {
  let dataDir: string;
  let chat: ChatServer;
  const clients: ChatClient[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chat-groups-'));
    chat = await startChatServer({
      ...embeddedTestServer(dataDir),
      rateLimits: { ...relaxedRateLimits, lookup: { capacity: LOOKUP_BURST, refillMs: 600_000 } },
    });
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await chat?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function connect(session: Session): Promise<ChatClient> {
    const client = await ChatClient.connect(chat.webSocketUrl, session.token);
    clients.push(client);
    return client;
  }

  /** A registered user (named `username` when given) with one connection that has said hello. */
  async function user(username?: string): Promise<{ session: Session; client: ChatClient; id: string }> {
    const session = await register(chat.url, username);
    const client = await connect(session);
    await client.ok({ action: 'hello' });
    return { session, client, id: session.user.id };
  }

  function assertError(frame: Frame, code: keyof typeof ChatErrorCode, action: string): void {
    assert.equal(frame.type, 'error', JSON.stringify(frame));
    assert.equal(frame.code, code, JSON.stringify(frame));
    assert.equal(frame.action, action);
    // These say which rule or limit; the others have the registry's message.
    if (!['BAD_REQUEST', 'RATE_LIMITED', 'DIRECT_CONVERSATION'].includes(code)) {
      assert.equal(frame.message, ChatErrorCode[code].message);
    }
  }

  const send = (client: ChatClient, roomId: string, text: string) =>
    client.ok({ action: 'sendMessage', roomId, text, clientMessageId: randomUUID() });

  const names = (members: Frame[]) => members.map((member) => member.username);

  describe('openGroup', () => {
    it('opens a conversation of three that all of them see, named by the others, and talk in', async () => {
      const [ada, bob, cat] = [await user(), await user(), await user()];
      const opened = await ada.client.ok({ action: 'openGroup', userIds: [bob.id, cat.id] });
      assert.equal(opened.type, 'roomJoined');
      const room = opened.room;
      assert.match(room.id, /^group:/);
      assert.deepEqual([room.kind, room.name, room.peer, room.topic, room.ownerId], ['direct', null, null, null, null]);
      assert.deepEqual(names(room.members), [bob.session.user.username, cat.session.user.username].sort());
      assert.deepEqual(room.members[0].avatar, bob.session.user.avatar);

      for (const [member, others] of [
        [bob, [ada, cat]],
        [cat, [ada, bob]],
      ] as const) {
        const told = await member.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === room.id);
        assert.deepEqual(names(told.room.members), others.map((other) => other.session.user.username).sort());
        assert.equal(told.room.peer, null);
      }

      const ack = await send(ada.client, room.id, 'Lunch at noon?');
      for (const member of [bob, cat]) {
        const received = await member.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
        assert.equal(received.message.text, 'Lunch at noon?');
      }
      const reply = await send(cat.client, room.id, 'Noon works');
      await ada.client.waitFor((f) => f.type === 'message' && f.message.id === reply.message.id);
      await bob.client.waitFor((f) => f.type === 'message' && f.message.id === reply.message.id);

      const rooms = await bob.client.ok({ action: 'listRooms' });
      const listed = rooms.joined.find((entry: Frame) => entry.id === room.id);
      assert.equal(listed.unread, 2);
      assert.deepEqual(names(listed.members), [ada.session.user.username, cat.session.user.username].sort());
      assert.ok(!rooms.directory.some((entry: Frame) => entry.id === room.id));

      const history = await cat.client.ok({ action: 'history', roomId: room.id });
      assert.deepEqual(
        history.messages.map((message: Frame) => message.text),
        ['Lunch at noon?', 'Noon works'],
      );
      const members = await cat.client.ok({ action: 'members', roomId: room.id });
      assert.equal(members.members.length, 3);

      const found = await bob.client.ok({ action: 'search', query: 'lunch' });
      const hit = found.results.find((result: Frame) => result.roomId === room.id);
      assert.equal(hit.roomName, [ada.session.user.username, cat.session.user.username].sort().join(', '));

      // A new connection sees it in its welcome, with its members.
      const again = await connect(cat.session);
      const welcome = await again.ok({ action: 'hello' });
      const inWelcome = welcome.rooms.find((entry: Frame) => entry.id === room.id);
      assert.deepEqual(names(inWelcome.members), [ada.session.user.username, bob.session.user.username].sort());
    });

    it('finds the same conversation for the same people, in any order and from any of them', async () => {
      const [ada, bob, cat, dan] = [await user(), await user(), await user(), await user()];
      const first = await ada.client.ok({ action: 'openGroup', userIds: [bob.id, cat.id] });
      await bob.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === first.room.id);
      await send(ada.client, first.room.id, 'first');
      const fromCat = await cat.client.ok({ action: 'openGroup', userIds: [bob.id, ada.id] });
      assert.equal(fromCat.room.id, first.room.id);
      assert.equal(fromCat.room.lastSeq, 1);
      const reordered = await ada.client.ok({ action: 'openGroup', userIds: [cat.id, bob.id] });
      assert.equal(reordered.room.id, first.room.id);
      // Nothing new: nobody is told again.
      await bob.client.sync();
      assert.equal(bob.client.all((f) => f.type === 'roomJoined' && f.room.id === first.room.id).length, 1);
      // Other people, another conversation.
      const bigger = await ada.client.ok({ action: 'openGroup', userIds: [bob.id, cat.id, dan.id] });
      assert.notEqual(bigger.room.id, first.room.id);
      assert.equal(bigger.room.members.length, 3);
    });

    it('takes guests and the largest group, and refuses the wrong size, duplicates and unknown people', async () => {
      const ada = await user();
      const guest = (await postJson(`${chat.url}/api/guest`, {})).body as Session;
      const guestClient = await connect(guest);
      await guestClient.ok({ action: 'hello' });
      const others: string[] = [guest.user.id];
      while (others.length < ChatLimits.groupMaxMembers - 1) others.push((await register(chat.url)).user.id);
      const largest = await ada.client.ok({ action: 'openGroup', userIds: others });
      assert.equal(largest.room.members.length, ChatLimits.groupMaxMembers - 1);
      const toGuest = await guestClient.waitFor((f) => f.type === 'roomJoined' && f.room.id === largest.room.id);
      assert.equal(toGuest.room.members.length, ChatLimits.groupMaxMembers - 1);
      // A guest may start one too.
      const fromGuest = await guestClient.ok({ action: 'openGroup', userIds: [ada.id, others[1]!] });
      assert.equal(fromGuest.room.members.length, 2);

      const bob = others[1]!;
      const refusals: Array<[Frame, keyof typeof ChatErrorCode]> = [
        [{ action: 'openGroup', userIds: [] }, 'GROUP_SIZE'],
        [{ action: 'openGroup', userIds: [bob] }, 'GROUP_SIZE'],
        [{ action: 'openGroup', userIds: [...others, randomUUID()] }, 'GROUP_SIZE'],
        [{ action: 'openGroup', userIds: [bob, bob] }, 'DUPLICATE_MEMBER'],
        [{ action: 'openGroup', userIds: [bob, ada.id] }, 'DUPLICATE_MEMBER'],
        [{ action: 'openGroup', userIds: [bob, randomUUID()] }, 'USER_NOT_FOUND'],
      ];
      for (const [frame, code] of refusals) assertError(await ada.client.request(frame), code, 'openGroup');

      // Beyond twice the largest group, or not a list of ids, the model refuses it at the gateway.
      const malformed = [
        { action: 'openGroup', userIds: Array.from({ length: ChatLimits.groupMaxMembers * 2 + 1 }, () => bob) },
        { action: 'openGroup', userIds: 'everyone' },
        { action: 'openGroup', userIds: [bob, ''] },
        { action: 'openGroup' },
      ];
      for (const frame of malformed) ada.client.send(JSON.stringify(frame));
      await ada.client.sync();
      assert.equal(ada.client.all((f) => f.message === 'Invalid request body').length, malformed.length);
    });

    it('is unreadable to everyone else: history, catch-up, search, members, reactions, pins', async () => {
      const [ada, bob, cat, eve] = [await user(), await user(), await user(), await user()];
      const { room } = await ada.client.ok({ action: 'openGroup', userIds: [bob.id, cat.id] });
      const ack = await send(bob.client, room.id, 'the secret mango plan');
      await ada.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);

      const attempts: Array<[Frame, keyof typeof ChatErrorCode]> = [
        [{ action: 'history', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'members', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'pins', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'joinRoom', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'leaveRoom', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'setTopic', roomId: room.id, topic: 'mine' }, 'ROOM_NOT_FOUND'],
        [{ action: 'sendMessage', roomId: room.id, text: 'let me in', clientMessageId: 'x' }, 'ROOM_NOT_FOUND'],
        [{ action: 'markRead', roomId: room.id, seq: 1 }, 'ROOM_NOT_FOUND'],
        [{ action: 'typing', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'search', query: 'mango', roomId: room.id }, 'ROOM_NOT_FOUND'],
        [{ action: 'addReaction', messageId: ack.message.id, emoji: '👍' }, 'MESSAGE_NOT_FOUND'],
        [{ action: 'removeReaction', messageId: ack.message.id, emoji: '👍' }, 'MESSAGE_NOT_FOUND'],
        [{ action: 'pinMessage', messageId: ack.message.id }, 'MESSAGE_NOT_FOUND'],
        [{ action: 'editMessage', messageId: ack.message.id, text: 'mine now' }, 'MESSAGE_NOT_FOUND'],
        [{ action: 'deleteMessage', messageId: ack.message.id }, 'MESSAGE_NOT_FOUND'],
      ];
      for (const [frame, code] of attempts) assertError(await eve.client.request(frame), code, frame.action);
      const catchUp = await eve.client.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq: 0 }] });
      assert.deepEqual([catchUp.rooms, catchUp.notMember], [[], [room.id]]);
      assert.deepEqual((await eve.client.ok({ action: 'search', query: 'mango' })).results, []);
      assert.ok(!(await eve.client.ok({ action: 'listRooms' })).joined.some((entry: Frame) => entry.id === room.id));

      // Its members cannot leave it, join it again, or give it a topic.
      assertError(
        await cat.client.request({ action: 'leaveRoom', roomId: room.id }),
        'DIRECT_CONVERSATION',
        'leaveRoom',
      );
      assertError(await cat.client.request({ action: 'joinRoom', roomId: room.id }), 'DIRECT_CONVERSATION', 'joinRoom');
      assertError(
        await cat.client.request({ action: 'setTopic', roomId: room.id, topic: 'x' }),
        'DIRECT_CONVERSATION',
        'setTopic',
      );
      // A reaction by a member reaches the members only.
      const reacted = await cat.client.ok({ action: 'addReaction', messageId: ack.message.id, emoji: '🥭' });
      await ada.client.waitFor((f) => f.type === 'messageReacted' && f.seq === reacted.seq);

      const later = await send(ada.client, room.id, 'mango again');
      await bob.client.waitFor((f) => f.type === 'message' && f.message.id === later.message.id);
      await eve.client.sync();
      assert.deepEqual(
        eve.client.frames.filter(
          (f) => f.requestId === undefined && (JSON.stringify(f).includes('mango') || f.roomId === room.id),
        ),
        [],
      );
    });
  });

  describe('findUsers', () => {
    it('finds people by the start of their name, online or not, a page at a time, and opens a DM with one offline', async () => {
      const prefix = `f${randomUUID().slice(0, 8)}`;
      const offline: Session[] = [];
      for (let i = 0; i < ChatLimits.userLookupPageSize + 2; i++) {
        offline.push(await register(chat.url, `${prefix}-${String(i).padStart(2, '0')}`));
      }
      const { client } = await user(`${prefix}x`);
      const expected = [...offline.map((session) => session.user.username), `${prefix}x`];

      const first = await client.ok({ action: 'findUsers', query: `@${prefix.toUpperCase()}` });
      assert.equal(first.type, 'users');
      assert.equal(first.query, `@${prefix.toUpperCase()}`);
      assert.equal(first.users.length, ChatLimits.userLookupPageSize);
      assert.equal(typeof first.nextCursor, 'string');
      assert.deepEqual(first.users[0], offline[0]!.user);
      const second = await client.ok({ action: 'findUsers', query: prefix, cursor: first.nextCursor });
      assert.equal(second.nextCursor, undefined);
      assert.deepEqual(names([...first.users, ...second.users]), expected);

      const narrow = await client.ok({ action: 'findUsers', query: `${prefix}-1` });
      assert.deepEqual(
        names(narrow.users),
        expected.filter((name) => name.startsWith(`${prefix}-1`)),
      );

      // Nobody of them is online: a direct conversation with one starts all the same, and is there when they come.
      const peer = offline[3]!;
      const dm = await client.ok({ action: 'openDirect', userId: peer.user.id });
      await send(client, dm.room.id, 'hello while you were away');
      const peerClient = await connect(peer);
      const welcome = await peerClient.ok({ action: 'hello' });
      const waiting = welcome.rooms.find((entry: Frame) => entry.id === dm.room.id);
      assert.equal(waiting.unread, 1);
    });

    it('refuses empty and long queries and cursors of other listings, and limits the rate per user', async () => {
      const { client } = await user();
      const { client: other } = await user();
      const refusals: Frame[] = [
        { action: 'findUsers', query: '' },
        { action: 'findUsers', query: '  @ ' },
        { action: 'findUsers', query: 'x'.repeat(ChatLimits.userLookupQueryMaxLength + 1) },
        { action: 'findUsers', query: 'user', cursor: 'not-a-cursor' },
        { action: 'findUsers', query: 'user', cursor: Buffer.from('["online","a","b"]').toString('base64url') },
      ];
      for (const frame of refusals) assertError(await client.request(frame), 'BAD_REQUEST', 'findUsers');
      // Refused queries cost nothing; the burst then runs out.
      for (let i = 0; i < LOOKUP_BURST; i++) await client.ok({ action: 'findUsers', query: 'user' });
      const limited = await client.request({ action: 'findUsers', query: 'user' });
      assertError(limited, 'RATE_LIMITED', 'findUsers');
      assert.ok(limited.retryAfterMs > 0);
      // Per user: another one is not affected.
      await other.ok({ action: 'findUsers', query: 'user' });
      // Beyond the model's bound, the gateway refuses it.
      client.send(JSON.stringify({ action: 'findUsers', query: 'x'.repeat(65) }));
      client.send(JSON.stringify({ action: 'findUsers' }));
      await client.sync();
      assert.equal(client.all((f) => f.message === 'Invalid request body').length, 2);
    });
  });
});
