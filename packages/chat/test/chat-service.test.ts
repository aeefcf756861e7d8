/**
 * The service's rules over the real SQLite store (a file in a temp dir), with
 * the recording broadcaster standing in for the gateway's channels.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenService } from '../src/accounts/tokens.ts';
import type { ServerMessage } from '../src/api/protocol.ts';
import { ChatService } from '../src/domain/chat-service.ts';
import { ChatError, type ChatErrorCode } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Session } from '../src/domain/types.ts';
import type { Broadcaster } from '../src/ports/broadcaster.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from './manual-clock.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-service-'));
const store = SqliteChatStore.open(join(dir, 'chat.db'));
const broadcaster = new RecordingBroadcaster();
const clock = new ManualClock();
const tokens = new TokenService({ secret: randomBytes(32) });
const warnings: object[] = [];
const chat = new ChatService({
  store,
  broadcaster,
  tokens,
  clock,
  logger: { warn: (details) => warnings.push(details) },
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
const uniqueName = (prefix = 'user') => `${prefix}-${++counter}-${randomUUID().slice(0, 6)}`;
const password = 'correct horse battery';

/** A registered user with one open connection. */
async function signUp(): Promise<{ session: Session; id: string; conn: string }> {
  const session = await chat.register(uniqueName(), password);
  const conn = randomUUID();
  await chat.connect(conn, session.user.id);
  return { session, id: session.user.id, conn };
}

async function disconnect(conn: string): Promise<void> {
  broadcaster.close(conn);
  await chat.disconnect(conn);
}

async function assertChatError(promise: Promise<unknown>, code: ChatErrorCode): Promise<ChatError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return error instanceof ChatError && error.code === code;
  });
  return caught as ChatError;
}

const types = (messages: ServerMessage[]) => messages.map((message) => message.type);

describe('ChatService', () => {
  describe('accounts', () => {
    it('registers a user with a verifiable token and joins them to general', async () => {
      const name = uniqueName('Ada');
      const session = await chat.register(name, password);
      assert.equal(session.user.username, name.toLowerCase());
      assert.equal(session.user.guest, false);
      assert.match(session.user.avatar.color, /^#[0-9a-f]{6}$/);
      assert.equal(session.expiresAt, clock.now() - (clock.now() % 1000) + 7 * 24 * 3600 * 1000);
      const claims = await chat.authenticate(session.token);
      assert.deepEqual(claims, {
        userId: session.user.id,
        username: session.user.username,
        guest: false,
        expiresAt: session.expiresAt,
      });
      const welcome = await chat.hello(session.user.id);
      assert.deepEqual(
        welcome.rooms.map((room) => room.name),
        ['general'],
      );
    });

    it('rejects bad usernames, bad passwords and taken names', async () => {
      for (const bad of ['ab', 'a'.repeat(25), '-dash', 'has space', 'émile', 'semi;colon']) {
        await assertChatError(chat.register(bad, password), 'INVALID_USERNAME');
      }
      await assertChatError(chat.register(uniqueName(), 'short'), 'INVALID_PASSWORD');
      await assertChatError(chat.register(uniqueName(), 'x'.repeat(129)), 'INVALID_PASSWORD');
      const name = uniqueName('taken');
      await chat.register(name, password);
      await assertChatError(chat.register(name.toUpperCase(), password), 'USERNAME_TAKEN');
    });

    it('logs in with the right password only, case-insensitively', async () => {
      const name = uniqueName('grace');
      const registered = await chat.register(name, password);
      const session = await chat.logIn(name.toUpperCase(), password);
      assert.equal(session.user.id, registered.user.id);
      await assertChatError(chat.logIn(name, 'wrong password'), 'BAD_CREDENTIALS');
      await assertChatError(chat.logIn(uniqueName('nobody'), password), 'BAD_CREDENTIALS');
    });

    it('rate-limits failed log-ins per username, even with the right password, until the window passes', async () => {
      const name = uniqueName('target');
      await chat.register(name, password);
      for (let i = 0; i < ChatLimits.loginFailureLimit; i++) {
        await assertChatError(chat.logIn(name, `guess ${i}`), 'BAD_CREDENTIALS');
      }
      const limited = await assertChatError(chat.logIn(name, password), 'RATE_LIMITED');
      assert.equal(limited.status, 429);
      assert.equal(limited.retryAfterMs, ChatLimits.loginFailureWindowMs);
      clock.advance(ChatLimits.loginFailureWindowMs);
      assert.equal((await chat.logIn(name, password)).user.username, name);
    });

    it('signs in a guest with a generated unused name', async () => {
      const [one, two] = [await chat.guest(), await chat.guest()];
      assert.match(one.user.username, /^guest-[a-z]+-[a-z]+-\d{1,3}$/);
      assert.notEqual(one.user.username, two.user.username);
      assert.equal(one.user.guest, true);
      assert.equal((await chat.authenticate(one.token)).guest, true);
      assert.equal(one.expiresAt - clock.now() <= 24 * 3600 * 1000, true);
      await assertChatError(chat.logIn(one.user.username, ''), 'BAD_CREDENTIALS');
    });

    it('rejects forged, foreign and expired tokens with UNAUTHENTICATED', async () => {
      const session = await chat.register(uniqueName(), password);
      const [header, payload] = session.token.split('.');
      await assertChatError(chat.authenticate(`${header}.${payload}.forged`), 'UNAUTHENTICATED');
      await assertChatError(chat.authenticate('not a token'), 'UNAUTHENTICATED');
      const other = new TokenService({ secret: randomBytes(32) });
      const foreign = await other.issue(
        { id: session.user.id, username: session.user.username, guest: false, createdAt: 0 },
        clock.now(),
      );
      await assertChatError(chat.authenticate(foreign.token), 'UNAUTHENTICATED');
      clock.advance(7 * 24 * 3600 * 1000 + 1000);
      await assertChatError(chat.authenticate(session.token), 'UNAUTHENTICATED');
    });
  });

  describe('presence', () => {
    it('counts a user with several connections once, and announces only first and last', async () => {
      const bob = await signUp();
      broadcaster.take(bob.conn);
      const alice = await chat.register(uniqueName('alice'), password);
      const tabs = [randomUUID(), randomUUID(), randomUUID()];
      for (const tab of tabs) await chat.connect(tab, alice.user.id);
      const online = broadcaster.take(bob.conn).filter((message) => message.type === 'presence');
      assert.deepEqual(online, [{ type: 'presence', roomId: online[0]?.roomId, user: alice.user, online: true }]);
      assert.equal((await chat.online()).filter((user) => user.id === alice.user.id).length, 1);
      const general = (await chat.hello(bob.id)).rooms[0]!;
      const members = await chat.members(bob.id, general.id);
      assert.equal(members.find((member) => member.user.id === alice.user.id)?.online, true);

      await disconnect(tabs[0]!);
      await disconnect(tabs[1]!);
      assert.deepEqual(types(broadcaster.take(bob.conn)), []);
      await disconnect(tabs[2]!);
      assert.deepEqual(broadcaster.take(bob.conn), [
        { type: 'presence', roomId: general.id, user: alice.user, online: false },
      ]);
      assert.ok(!(await chat.online()).some((user) => user.id === alice.user.id));
      await chat.disconnect(tabs[2]!); // a repeated disconnect is ignored
    });
  });

  describe('messages', () => {
    let alice: Awaited<ReturnType<typeof signUp>>;
    let bob: Awaited<ReturnType<typeof signUp>>;
    let aliceTab2: string;
    let roomId: string;

    before(async () => {
      alice = await signUp();
      bob = await signUp();
      aliceTab2 = randomUUID();
      await chat.connect(aliceTab2, alice.id);
      roomId = (await chat.createRoom(alice.id, uniqueName('room'), alice.conn)).id;
      await chat.joinRoom(bob.id, roomId, bob.conn);
      for (const conn of [alice.conn, aliceTab2, bob.conn]) broadcaster.take(conn);
    });

    it('stores, acknowledges and broadcasts to everyone but the sending connection', async () => {
      const { message, duplicate } = await chat.sendMessage(
        alice.id,
        { roomId, text: '  hello\r\nbob\u0007  ', clientMessageId: 'm-1' },
        alice.conn,
      );
      assert.equal(duplicate, false);
      assert.equal(message.text, 'hello\nbob');
      assert.equal(message.authorName, alice.session.user.username);
      assert.equal(message.createdAt, clock.now());
      const event = { type: 'message', roomId, seq: message.seq, at: message.createdAt, message };
      assert.deepEqual(broadcaster.take(bob.conn), [event]);
      assert.deepEqual(broadcaster.take(aliceTab2), [event]);
      assert.deepEqual(broadcaster.take(alice.conn), []);
    });

    it('answers a retried send with the stored message and broadcasts nothing new', async () => {
      const first = await chat.sendMessage(alice.id, { roomId, text: 'once', clientMessageId: 'm-2' }, alice.conn);
      broadcaster.take(bob.conn);
      const retry = await chat.sendMessage(alice.id, { roomId, text: 'once', clientMessageId: 'm-2' }, alice.conn);
      assert.deepEqual(retry, { message: first.message, duplicate: true });
      assert.deepEqual(broadcaster.take(bob.conn), []);
      const page = await chat.history(bob.id, roomId);
      assert.equal(page.messages.filter((message) => message.clientMessageId === 'm-2').length, 1);
    });

    it('enforces the text limits', async () => {
      const exact = 'é'.repeat(ChatLimits.messageMaxLength);
      const { message } = await chat.sendMessage(alice.id, { roomId, text: exact, clientMessageId: 'm-3' });
      assert.equal(message.text, exact);
      await assertChatError(
        chat.sendMessage(alice.id, { roomId, text: `${exact}x`, clientMessageId: 'm-4' }),
        'MESSAGE_TOO_LONG',
      );
      // Code points, not UTF-16 units: 4000 emoji are allowed.
      const emoji = '😀'.repeat(ChatLimits.messageMaxLength);
      assert.equal(
        (await chat.sendMessage(alice.id, { roomId, text: emoji, clientMessageId: 'm-5' })).message.text,
        emoji,
      );
      await assertChatError(
        chat.sendMessage(alice.id, { roomId, text: ' \n\t', clientMessageId: 'm-6' }),
        'EMPTY_MESSAGE',
      );
      await assertChatError(chat.sendMessage(alice.id, { roomId, text: 'x', clientMessageId: '' }), 'BAD_REQUEST');
    });

    it('refuses sends to rooms the user is not in or that do not exist', async () => {
      const carol = await signUp();
      await assertChatError(chat.sendMessage(carol.id, { roomId, text: 'hi', clientMessageId: 'c-1' }), 'NOT_A_MEMBER');
      await assertChatError(
        chat.sendMessage(carol.id, { roomId: randomUUID(), text: 'hi', clientMessageId: 'c-2' }),
        'ROOM_NOT_FOUND',
      );
    });

    it('lets only the author edit and delete, and broadcasts both', async () => {
      const outsider = await signUp();
      const { message } = await chat.sendMessage(
        alice.id,
        { roomId, text: 'typo', clientMessageId: 'm-7' },
        alice.conn,
      );
      broadcaster.take(bob.conn);
      await assertChatError(chat.editMessage(bob.id, message.id, 'mine now', bob.conn), 'NOT_YOUR_MESSAGE');
      await assertChatError(chat.deleteMessage(bob.id, message.id, bob.conn), 'NOT_YOUR_MESSAGE');
      await assertChatError(chat.editMessage(outsider.id, message.id, 'x'), 'MESSAGE_NOT_FOUND');
      await assertChatError(chat.editMessage(alice.id, randomUUID(), 'x'), 'MESSAGE_NOT_FOUND');

      clock.advance(1000);
      const edited = await chat.editMessage(alice.id, message.id, 'fixed', alice.conn);
      assert.equal(edited.type, 'messageEdited');
      assert.equal(edited.message.text, 'fixed');
      assert.equal(edited.message.editedAt, clock.now());
      const deleted = await chat.deleteMessage(alice.id, message.id, alice.conn);
      assert.equal(deleted.message.text, '');
      assert.deepEqual(broadcaster.take(bob.conn), [edited, deleted]);
      await assertChatError(chat.editMessage(alice.id, message.id, 'again'), 'MESSAGE_DELETED');
      await assertChatError(chat.deleteMessage(alice.id, message.id), 'MESSAGE_DELETED');
    });

    it('pages history newest first, each page in ascending order', async () => {
      const sent = [];
      for (let i = 0; i < 7; i++) {
        sent.push((await chat.sendMessage(bob.id, { roomId, text: `page ${i}`, clientMessageId: `p-${i}` })).message);
      }
      const newest = await chat.history(alice.id, roomId, { limit: 4 });
      assert.deepEqual(
        newest.messages.map((message) => message.text),
        ['page 3', 'page 4', 'page 5', 'page 6'],
      );
      assert.equal(newest.hasMore, true);
      const older = await chat.history(alice.id, roomId, { before: newest.messages[0]!.seq, limit: 3 });
      assert.deepEqual(
        older.messages.map((message) => message.text),
        ['page 0', 'page 1', 'page 2'],
      );
      await assertChatError(chat.history(alice.id, roomId, { limit: 0 }), 'BAD_REQUEST');
      await assertChatError(chat.history(alice.id, roomId, { limit: ChatLimits.historyMaxLimit + 1 }), 'BAD_REQUEST');
    });

    it('catches a reconnecting client up on everything it missed, in pages, with no gap or duplicate', async () => {
      const lastSeq = (await chat.hello(bob.id)).rooms.find((room) => room.id === roomId)!.lastSeq;
      await disconnect(bob.conn);
      const missed = ChatLimits.catchUpPageSize + 5;
      for (let i = 0; i < missed; i++) {
        await chat.sendMessage(alice.id, { roomId, text: `while away ${i}`, clientMessageId: `away-${i}` }, alice.conn);
      }
      bob.conn = randomUUID();
      await chat.connect(bob.conn, bob.id);

      const seqs: number[] = [];
      let from = lastSeq;
      for (let call = 0; call < 3; call++) {
        const { rooms, notMember } = await chat.catchUp(bob.id, [{ roomId, lastSeq: from }]);
        assert.deepEqual(notMember, []);
        const [room] = rooms;
        for (const event of room!.events) seqs.push(event.seq);
        from = room!.events.at(-1)?.seq ?? from;
        if (!room!.hasMore) break;
      }
      assert.deepEqual(
        seqs,
        Array.from({ length: missed }, (_, i) => lastSeq + 1 + i),
      );
      // New messages after the reconnect arrive live.
      await chat.sendMessage(alice.id, { roomId, text: 'welcome back', clientMessageId: 'back' }, alice.conn);
      assert.deepEqual(
        broadcaster.take(bob.conn).map((message) => message.type === 'message' && message.seq),
        [from + 1],
      );
    });

    it('keeps unread counts on the server and tells the other connections', async () => {
      const before = (await chat.hello(bob.id)).rooms.find((room) => room.id === roomId)!;
      await chat.markRead(bob.id, roomId, before.lastSeq, bob.conn);
      await chat.sendMessage(alice.id, { roomId, text: 'unread 1', clientMessageId: 'u-1' });
      const { message } = await chat.sendMessage(alice.id, { roomId, text: 'unread 2', clientMessageId: 'u-2' });
      const bobTab2 = randomUUID();
      await chat.connect(bobTab2, bob.id);
      assert.equal((await chat.hello(bob.id)).rooms.find((room) => room.id === roomId)?.unread, 2);
      broadcaster.take(bobTab2);
      const state = await chat.markRead(bob.id, roomId, message.seq - 1, bob.conn);
      assert.deepEqual(state, { roomId, lastReadSeq: message.seq - 1, unread: 1 });
      assert.deepEqual(broadcaster.take(bobTab2), [{ type: 'read', ...state }]);
      await disconnect(bobTab2);
    });

    it('relays typing at most once per interval to the others, and never stores it', async () => {
      broadcaster.take(bob.conn);
      broadcaster.take(alice.conn);
      const lastSeq = (await chat.hello(alice.id)).rooms.find((room) => room.id === roomId)!.lastSeq;
      assert.equal(await chat.typing(alice.id, roomId, alice.conn), true);
      assert.equal(await chat.typing(alice.id, roomId, aliceTab2), false);
      clock.advance(ChatLimits.typingIntervalMs - 1);
      assert.equal(await chat.typing(alice.id, roomId, alice.conn), false);
      clock.advance(1);
      assert.equal(await chat.typing(alice.id, roomId, alice.conn), true);
      const typing = { type: 'typing', roomId, user: alice.session.user, ttlMs: ChatLimits.typingTtlMs };
      assert.deepEqual(broadcaster.take(bob.conn), [typing, typing]);
      assert.deepEqual(broadcaster.take(alice.conn), []);
      assert.equal((await chat.hello(alice.id)).rooms.find((room) => room.id === roomId)!.lastSeq, lastSeq);
      const carol = await signUp();
      await assertChatError(chat.typing(carol.id, roomId), 'NOT_A_MEMBER');
    });

    it('reports a failing broadcaster without failing the acknowledged write', async () => {
      const failing: Broadcaster = {
        sendToConnection: () => Promise.reject(new Error('socket layer down')),
        publishToRoom: () => Promise.reject(new Error('socket layer down')),
        subscribe: () => Promise.reject(new Error('socket layer down')),
        unsubscribe: () => Promise.reject(new Error('socket layer down')),
      };
      const degraded = new ChatService({
        store,
        broadcaster: failing,
        tokens,
        clock,
        logger: { warn: (d) => warnings.push(d) },
      });
      const before = warnings.length;
      const { message } = await degraded.sendMessage(alice.id, {
        roomId,
        text: 'still stored',
        clientMessageId: 'f-1',
      });
      assert.equal((await store.getMessage(message.id))?.text, 'still stored');
      assert.equal(warnings.length, before + 1);
    });
  });

  describe('rooms', () => {
    it('creates rooms by the naming rules, lists them, and refuses duplicates', async () => {
      const alice = await signUp();
      const name = uniqueName('Team');
      const room = await chat.createRoom(alice.id, `  ${name} `, alice.conn);
      assert.equal(room.name, name.toLowerCase());
      assert.equal(room.kind, 'room');
      await assertChatError(chat.createRoom(alice.id, name.toUpperCase()), 'ROOM_NAME_TAKEN');
      for (const bad of ['x', 'a'.repeat(33), 'with space', '_lead', 'dot.ted']) {
        await assertChatError(chat.createRoom(alice.id, bad), 'INVALID_ROOM_NAME');
      }
      const { joined, directory } = await chat.listRooms(alice.id);
      assert.ok(joined.some((entry) => entry.id === room.id));
      assert.deepEqual(
        directory.find((entry) => entry.id === room.id),
        { id: room.id, name: room.name, memberCount: 1, joined: true },
      );
    });

    it('announces joins and leaves, and a leaver stops receiving the room', async () => {
      const [alice, bob] = [await signUp(), await signUp()];
      const bobTab2 = randomUUID();
      await chat.connect(bobTab2, bob.id);
      const room = await chat.createRoom(alice.id, uniqueName('club'), alice.conn);
      broadcaster.take(alice.conn);
      broadcaster.take(bobTab2);

      const joined = await chat.joinRoom(bob.id, room.id, bob.conn);
      assert.equal(joined.unread, 0);
      assert.deepEqual(await chat.joinRoom(bob.id, room.id, bob.conn), joined);
      assert.deepEqual(types(broadcaster.take(alice.conn)), ['memberJoined']);
      assert.deepEqual(types(broadcaster.take(bobTab2)), ['memberJoined', 'roomJoined']);

      await chat.leaveRoom(bob.id, room.id, bob.conn);
      assert.deepEqual(types(broadcaster.take(alice.conn)), ['memberLeft']);
      assert.deepEqual(broadcaster.take(bobTab2), [{ type: 'roomLeft', roomId: room.id }]);
      broadcaster.take(bob.conn);
      await chat.sendMessage(alice.id, { roomId: room.id, text: 'bob is gone', clientMessageId: 'g-1' });
      assert.deepEqual(broadcaster.take(bob.conn), []);
      assert.deepEqual(broadcaster.take(bobTab2), []);
      await assertChatError(chat.leaveRoom(bob.id, room.id), 'NOT_A_MEMBER');
      await assertChatError(chat.history(bob.id, room.id), 'NOT_A_MEMBER');
      await assertChatError(chat.joinRoom(bob.id, randomUUID()), 'ROOM_NOT_FOUND');
      await disconnect(bobTab2);
    });
  });

  describe('direct conversations', () => {
    it('are readable, listable and received by the two members only', async () => {
      const [alice, bob, carol] = [await signUp(), await signUp(), await signUp()];
      const dm = await chat.openDirect(alice.id, { username: bob.session.user.username.toUpperCase() }, alice.conn);
      assert.equal(dm.kind, 'direct');
      assert.deepEqual(dm.peer, bob.session.user);
      assert.deepEqual(await chat.openDirect(bob.id, { userId: alice.id }), { ...dm, peer: alice.session.user });
      const bobJoined = broadcaster.ofType(bob.conn, 'roomJoined');
      assert.equal(bobJoined.length, 1);
      assert.equal(bobJoined[0]?.room.peer?.id, alice.id);
      broadcaster.take(bob.conn);
      broadcaster.take(carol.conn);

      const word = `secret${randomUUID().slice(0, 8)}`;
      await chat.sendMessage(
        alice.id,
        { roomId: dm.id, text: `the ${word} plan`, clientMessageId: 'dm-1' },
        alice.conn,
      );
      assert.deepEqual(types(broadcaster.take(bob.conn)), ['message']);
      assert.deepEqual(broadcaster.take(carol.conn), []);

      // Whatever a third user sends, the conversation does not exist for them.
      await assertChatError(
        chat.sendMessage(carol.id, { roomId: dm.id, text: 'let me in', clientMessageId: 'x' }),
        'ROOM_NOT_FOUND',
      );
      await assertChatError(chat.history(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.members(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.joinRoom(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.typing(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.markRead(carol.id, dm.id, 1), 'ROOM_NOT_FOUND');
      await assertChatError(chat.search(carol.id, word, { roomId: dm.id }), 'ROOM_NOT_FOUND');
      assert.deepEqual(await chat.search(carol.id, word), []);
      assert.deepEqual((await chat.catchUp(carol.id, [{ roomId: dm.id, lastSeq: 0 }])).notMember, [dm.id]);
      assert.ok(!(await chat.listRooms(carol.id)).directory.some((room) => room.id === dm.id));
      assert.ok(!(await chat.listRooms(carol.id)).joined.some((room) => room.id === dm.id));
      assert.equal((await chat.search(bob.id, word))[0]?.roomName, alice.session.user.username);

      await assertChatError(chat.leaveRoom(alice.id, dm.id), 'DIRECT_CONVERSATION');
      await assertChatError(chat.joinRoom(alice.id, dm.id), 'DIRECT_CONVERSATION');
      await assertChatError(chat.openDirect(alice.id, { userId: alice.id }), 'BAD_REQUEST');
      await assertChatError(chat.openDirect(alice.id, { userId: randomUUID() }), 'USER_NOT_FOUND');
    });
  });

  describe('search', () => {
    it('finds messages in readable rooms with markup-free highlighted snippets', async () => {
      const [alice, bob] = [await signUp(), await signUp()];
      const room = await chat.createRoom(alice.id, uniqueName('search'));
      const hidden = await chat.createRoom(bob.id, uniqueName('hidden'));
      const word = `zebra${randomUUID().slice(0, 6)}`;
      await chat.sendMessage(alice.id, {
        roomId: room.id,
        text: `<script>alert(1)</script> ${word}!`,
        clientMessageId: 's-1',
      });
      await chat.sendMessage(bob.id, { roomId: hidden.id, text: `${word} in hiding`, clientMessageId: 's-2' });

      const results = await chat.search(alice.id, `  ${word.toUpperCase()} `);
      assert.equal(results.length, 1);
      const [result] = results;
      assert.equal(result?.roomId, room.id);
      assert.equal(result?.roomName, room.name);
      assert.equal(result?.snippet.text, `<script>alert(1)</script> ${word}!`);
      assert.deepEqual(
        result?.snippet.highlights.map(([start, end]) => result.snippet.text.slice(start, end)),
        [word],
      );
      await assertChatError(chat.search(alice.id, '!!! ***'), 'BAD_REQUEST');
      await assertChatError(chat.search(alice.id, word, { limit: ChatLimits.searchMaxLimit + 1 }), 'BAD_REQUEST');
    });
  });

  describe('store failure', () => {
    it('answers with STORE_UNAVAILABLE and never acknowledges or broadcasts', async () => {
      const path = join(dir, 'failing.db');
      const failingStore = SqliteChatStore.open(path);
      const local = new RecordingBroadcaster();
      const service = new ChatService({ store: failingStore, broadcaster: local, tokens, clock });
      const user = await service.register(uniqueName(), password);
      const conn = randomUUID();
      await service.connect(conn, user.user.id);
      const roomId = (await service.hello(user.user.id)).rooms[0]!.id;
      const listener = randomUUID();
      await local.subscribe(listener, [roomId]);
      await failingStore.close();
      await assertChatError(
        service.sendMessage(user.user.id, { roomId, text: 'lost?', clientMessageId: 'z' }, conn),
        'STORE_UNAVAILABLE',
      );
      assert.deepEqual(local.take(listener), []);
    });
  });
});
