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
import { PasswordHasher } from '../src/accounts/password.ts';
import { TokenService } from '../src/accounts/tokens.ts';
import type { ServerMessage } from '../src/api/protocol.ts';
import { ChatService, type Identity } from '../src/domain/chat-service.ts';
import { ChatError, type ChatErrorCode } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Session } from '../src/domain/types.ts';
import type { Broadcaster } from '../src/ports/broadcaster.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from './manual-clock.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

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
  rateLimitStore: new MemoryRateLimitStore(),
  rateLimits: relaxedRateLimits,
  passwords: new PasswordHasher(cheapPasswordCost),
});
/** Every sign-up of these tests comes from one address. */
const client = { address: '192.0.2.1' };

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
const uniqueName = (prefix = 'user') => `${prefix}-${++counter}-${randomUUID().slice(0, 6)}`;
const password = 'correct horse battery';

/** Who a session's token says it is, as the authorizer passes it on to `$connect`. */
async function identityOf(session: Session, service = chat): Promise<Identity> {
  const { userId, sessionId } = await service.accounts.verifyToken(session.token);
  return { userId, sessionId };
}

/** A registered user with one open connection. */
async function signUp(): Promise<{ session: Session; id: string; conn: string; identity: Identity }> {
  const session = await chat.accounts.register(uniqueName(), password, client);
  const identity = await identityOf(session);
  const conn = randomUUID();
  await chat.presence.connect(conn, identity);
  return { session, id: session.user.id, conn, identity };
}

async function disconnect(conn: string): Promise<void> {
  broadcaster.close(conn);
  await chat.presence.disconnect(conn);
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
      const session = await chat.accounts.register(name, password, client);
      assert.equal(session.user.username, name.toLowerCase());
      assert.equal(session.user.guest, false);
      assert.match(session.user.avatar.color, /^#[0-9a-f]{6}$/);
      assert.equal(session.expiresAt, clock.now() - (clock.now() % 1000) + 7 * 24 * 3600 * 1000);
      const claims = await chat.accounts.authenticate(session.token);
      assert.deepEqual(claims, {
        userId: session.user.id,
        username: session.user.username,
        guest: false,
        sessionId: claims.sessionId,
        expiresAt: session.expiresAt,
      });
      assert.deepEqual(await store.getSession(claims.sessionId), {
        id: claims.sessionId,
        userId: session.user.id,
        createdAt: clock.now(),
        expiresAt: session.expiresAt,
      });
      const welcome = await chat.presence.hello(session.user.id);
      assert.deepEqual(
        welcome.rooms.map((room) => room.name),
        ['general'],
      );
    });

    it('rejects bad usernames, bad passwords and taken names', async () => {
      for (const bad of ['ab', 'a'.repeat(25), '-dash', 'has space', 'émile', 'semi;colon']) {
        await assertChatError(chat.accounts.register(bad, password, client), 'INVALID_USERNAME');
      }
      await assertChatError(chat.accounts.register(uniqueName(), 'short', client), 'INVALID_PASSWORD');
      await assertChatError(chat.accounts.register(uniqueName(), 'x'.repeat(129), client), 'INVALID_PASSWORD');
      const name = uniqueName('taken');
      await chat.accounts.register(name, password, client);
      await assertChatError(chat.accounts.register(name.toUpperCase(), password, client), 'USERNAME_TAKEN');
    });

    it('logs in with the right password only, case-insensitively', async () => {
      const name = uniqueName('grace');
      const registered = await chat.accounts.register(name, password, client);
      const session = await chat.accounts.logIn(name.toUpperCase(), password, client);
      assert.equal(session.user.id, registered.user.id);
      await assertChatError(chat.accounts.logIn(name, 'wrong password', client), 'BAD_CREDENTIALS');
      await assertChatError(chat.accounts.logIn(uniqueName('nobody'), password, client), 'BAD_CREDENTIALS');
    });

    it('hashes new passwords at OWASP’s cost, and rehashes an older hash at the next log-in', async () => {
      const owasp = new ChatService({
        store,
        broadcaster,
        tokens,
        clock,
        rateLimitStore: new MemoryRateLimitStore(),
        rateLimits: relaxedRateLimits,
      });
      const name = uniqueName('legacy');
      const legacy = await new PasswordHasher({ N: 2 ** 15, r: 8, p: 1 }).hash(password);
      const user = await store.createUser({
        id: randomUUID(),
        username: name,
        guest: false,
        createdAt: clock.now(),
        passwordHash: legacy,
      });
      assert.equal((await owasp.accounts.logIn(name, password, client)).user.id, user.id);
      const rehashed = await store.getPasswordHash(user.id);
      assert.match(rehashed!, /^scrypt\$131072\$8\$1\$/);
      assert.equal((await owasp.accounts.logIn(name, password, client)).user.id, user.id);
      // A wrong password never rewrites the hash.
      await assertChatError(owasp.accounts.logIn(name, 'wrong password', client), 'BAD_CREDENTIALS');
      assert.equal(await store.getPasswordHash(user.id), rehashed);
    });

    it('signs in a guest with a generated unused name', async () => {
      const [one, two] = [await chat.accounts.guest(client), await chat.accounts.guest(client)];
      assert.match(one.user.username, /^guest-[a-z]+-[a-z]+-\d{1,3}$/);
      assert.notEqual(one.user.username, two.user.username);
      assert.equal(one.user.guest, true);
      assert.equal((await chat.accounts.authenticate(one.token)).guest, true);
      assert.equal(one.expiresAt - clock.now() <= 24 * 3600 * 1000, true);
      await assertChatError(chat.accounts.logIn(one.user.username, '', client), 'BAD_CREDENTIALS');
    });

    it('rejects forged, foreign and expired tokens with UNAUTHENTICATED', async () => {
      const session = await chat.accounts.register(uniqueName(), password, client);
      const [header, payload] = session.token.split('.');
      await assertChatError(chat.accounts.authenticate(`${header}.${payload}.forged`), 'UNAUTHENTICATED');
      await assertChatError(chat.accounts.authenticate('not a token'), 'UNAUTHENTICATED');
      const other = new TokenService({ secret: randomBytes(32) });
      const foreign = await other.issue(
        { id: session.user.id, username: session.user.username, guest: false, createdAt: 0 },
        (await chat.accounts.verifyToken(session.token)).sessionId,
        clock.now(),
      );
      await assertChatError(chat.accounts.authenticate(foreign.token), 'UNAUTHENTICATED');
      clock.advance(7 * 24 * 3600 * 1000 + 1000);
      await assertChatError(chat.accounts.authenticate(session.token), 'UNAUTHENTICATED');
    });

    it('signs a session out on the server: its token stops working at once, others do not', async () => {
      const name = uniqueName('leaver');
      const laptop = await chat.accounts.register(name, password, client);
      const phone = await chat.accounts.logIn(name, password, client);
      await chat.accounts.signOut(laptop.token);
      await chat.accounts.signOut(laptop.token);
      await assertChatError(chat.accounts.authenticate(laptop.token), 'UNAUTHENTICATED');
      // The token still verifies as a token, but $connect refuses its session.
      const identity = await identityOf(laptop);
      await assertChatError(chat.presence.connect(randomUUID(), identity), 'UNAUTHENTICATED');
      assert.equal((await chat.accounts.authenticate(phone.token)).userId, phone.user.id);
      await chat.presence.connect(randomUUID(), await identityOf(phone));
    });

    it('refreshes a live session into a new one with a full lifetime, ending the old', async () => {
      const session = await chat.accounts.register(uniqueName('keeper'), password, client);
      clock.advance(3 * 24 * 3600 * 1000);
      const renewed = await chat.accounts.refresh(session.token);
      assert.equal(renewed.user.id, session.user.id);
      assert.equal(renewed.expiresAt, clock.now() - (clock.now() % 1000) + 7 * 24 * 3600 * 1000);
      await assertChatError(chat.accounts.authenticate(session.token), 'UNAUTHENTICATED');
      await assertChatError(chat.accounts.refresh(session.token), 'UNAUTHENTICATED');
      assert.equal((await chat.accounts.authenticate(renewed.token)).userId, session.user.id);
    });
  });

  describe('guest expiry', () => {
    it('counts a guest’s connections as activity, with one write for a burst of them', async () => {
      const guest = await chat.accounts.guest(client);
      const identity = await identityOf(guest);
      const idleBefore = async (before: number) =>
        (await store.listIdleGuests(before, 10_000)).some((user) => user.id === guest.user.id);
      const signedInAt = clock.now();
      const tab = randomUUID();
      clock.advance(60_000);
      await chat.presence.connect(tab, identity);
      await disconnect(tab);
      assert.equal(await idleBefore(signedInAt + 1), true, 'within 86 s of the sign-in: the sign-in stands');
      clock.advance(60_000);
      await chat.presence.connect(tab, identity);
      assert.equal(await idleBefore(signedInAt + 1), false, 'two minutes on: moved to the connect');
      assert.equal(await idleBefore(clock.now() + 1), true);
      await disconnect(tab);
    });

    it('retires a guest idle for a day: it leaves its rooms, its messages stay under a former-guest name', async () => {
      const guest = await chat.accounts.guest(client);
      const identity = await identityOf(guest);
      const friend = await signUp();
      const general = (await chat.presence.hello(friend.id)).rooms.find((room) => room.name === 'general')!.id;
      const guestConn = randomUUID();
      await chat.presence.connect(guestConn, identity);
      const { message } = await chat.messages.sendMessage(guest.user.id, {
        roomId: general,
        text: 'hello from a guest',
        clientMessageId: 'g-1',
      });
      await chat.rooms.openDirect(guest.user.id, { userId: friend.id });
      // Connected guests are active however long ago they arrived.
      clock.advance(25 * 3600 * 1000);
      await chat.guests.sweep();
      assert.equal((await store.getUser(guest.user.id))?.username, guest.user.username);
      await disconnect(guestConn);
      broadcaster.take(friend.conn);

      clock.advance(24 * 3600 * 1000 + 1);
      assert.ok((await chat.guests.sweep()) >= 1);
      const former = (await store.getUser(guest.user.id))!.username;
      assert.match(former, /^former-guest-[0-9a-z]{11}$/);
      assert.equal((await store.getMessage(message.id))?.authorName, former);
      const left = broadcaster.take(friend.conn).filter((frame) => frame.type === 'memberLeft');
      assert.deepEqual(
        left.map((frame) => frame.type === 'memberLeft' && [frame.roomId, frame.user.id]),
        [[general, guest.user.id]],
      );
      assert.equal(await store.getMembership(general, guest.user.id), undefined);
      // The direct conversation stays for the friend; the guest's sessions are gone.
      assert.equal((await chat.presence.hello(friend.id)).rooms.filter((room) => room.kind === 'direct').length, 1);
      await assertChatError(chat.accounts.authenticate(guest.token), 'UNAUTHENTICATED');
      // Registered users never expire.
      assert.equal((await store.getUser(friend.id))?.username, friend.session.user.username);
    });

    it('keeps guests that refresh, and retires idle ones when another guest signs in', async () => {
      const active = await chat.accounts.guest(client);
      const idle = await chat.accounts.guest(client);
      clock.advance(20 * 3600 * 1000);
      await chat.accounts.refresh(active.token);
      clock.advance(5 * 3600 * 1000);
      // No sweep timer here: a new guest's sign-in retires idle guests as it goes.
      for (let i = 0; i < 20; i++) {
        await chat.accounts.guest(client);
        if ((await store.getUser(idle.user.id))!.username !== idle.user.username) break;
      }
      assert.match((await store.getUser(idle.user.id))!.username, /^former-guest-/);
      assert.equal((await store.getUser(active.user.id))!.username, active.user.username);
    });

    it('keeps guest names for guests: nobody registers guest- or former-guest- names', async () => {
      await assertChatError(chat.accounts.register('guest-witty-otter-1', password, client), 'INVALID_USERNAME');
      await assertChatError(chat.accounts.register('Former-Guest-abc', password, client), 'INVALID_USERNAME');
    });
  });

  describe('presence', () => {
    it('counts a user with several connections once, and announces only first and last', async () => {
      const bob = await signUp();
      broadcaster.take(bob.conn);
      const alice = await chat.accounts.register(uniqueName('alice'), password, client);
      const tabs = [randomUUID(), randomUUID(), randomUUID()];
      for (const tab of tabs) await chat.presence.connect(tab, await identityOf(alice));
      const online = broadcaster.take(bob.conn).filter((message) => message.type === 'presence');
      assert.deepEqual(online, [{ type: 'presence', roomId: online[0]?.roomId, user: alice.user, online: true }]);
      assert.equal(
        (await chat.presence.online(alice.user.id)).users.filter((user) => user.id === alice.user.id).length,
        1,
      );
      const general = (await chat.presence.hello(bob.id)).rooms[0]!;
      const { members } = await chat.rooms.members(bob.id, general.id);
      assert.equal(members.find((member) => member.user.id === alice.user.id)?.online, true);

      await disconnect(tabs[0]!);
      await disconnect(tabs[1]!);
      assert.deepEqual(types(broadcaster.take(bob.conn)), []);
      await disconnect(tabs[2]!);
      assert.deepEqual(broadcaster.take(bob.conn), [
        { type: 'presence', roomId: general.id, user: alice.user, online: false },
      ]);
      assert.ok(!(await chat.presence.online(alice.user.id)).users.some((user) => user.id === alice.user.id));
      await chat.presence.disconnect(tabs[2]!); // a repeated disconnect is ignored
    });

    it('is not announced in rooms larger than its limit, and is still listed there', async () => {
      // #general holds every user of this file; a service whose limit sits at 3 members tells only the small room.
      const withPresenceLimit = (presenceMaxRoomMembers: number) =>
        new ChatService({
          store,
          broadcaster,
          tokens,
          clock,
          rateLimitStore: new MemoryRateLimitStore(),
          passwords: new PasswordHasher(cheapPasswordCost),
          presenceMaxRoomMembers,
        });
      const small = withPresenceLimit(3);
      const [bob, carol] = [await signUp(), await signUp()];
      const alice = await chat.accounts.register(uniqueName('alice'), password, client);
      const roomId = (await chat.rooms.createRoom(alice.user.id, uniqueName('room'))).id;
      for (const member of [bob, carol]) await chat.rooms.joinRoom(member.id, roomId, member.conn);
      const general = (await chat.presence.hello(bob.id)).rooms.find((room) => room.name === 'general')!;
      assert.ok((await chat.rooms.members(bob.id, general.id)).members.length > 3);
      for (const member of [bob, carol]) broadcaster.take(member.conn);

      const tab = randomUUID();
      await small.presence.connect(tab, await identityOf(alice, small));
      for (const member of [bob, carol]) {
        assert.deepEqual(broadcaster.take(member.conn), [{ type: 'presence', roomId, user: alice.user, online: true }]);
      }
      assert.ok((await small.presence.online(bob.id)).users.some((user) => user.id === alice.user.id));
      broadcaster.close(tab);
      await small.presence.disconnect(tab);
      assert.deepEqual(broadcaster.take(bob.conn), [{ type: 'presence', roomId, user: alice.user, online: false }]);

      // A limit of 0 turns presence frames off; who is online is still read.
      const none = withPresenceLimit(0);
      await none.presence.connect(tab, await identityOf(alice, none));
      assert.deepEqual(broadcaster.take(bob.conn), []);
      assert.ok((await none.presence.online(bob.id)).users.some((user) => user.id === alice.user.id));
      broadcaster.close(tab);
      await none.presence.disconnect(tab);
      assert.deepEqual(broadcaster.take(bob.conn), []);
      assert.throws(() => withPresenceLimit(-1), RangeError);
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
      await chat.presence.connect(aliceTab2, alice.identity);
      roomId = (await chat.rooms.createRoom(alice.id, uniqueName('room'), alice.conn)).id;
      await chat.rooms.joinRoom(bob.id, roomId, bob.conn);
      for (const conn of [alice.conn, aliceTab2, bob.conn]) broadcaster.take(conn);
    });

    it('stores, acknowledges and broadcasts to everyone but the sending connection', async () => {
      const { message, duplicate } = await chat.messages.sendMessage(
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
      const first = await chat.messages.sendMessage(
        alice.id,
        { roomId, text: 'once', clientMessageId: 'm-2' },
        alice.conn,
      );
      broadcaster.take(bob.conn);
      const retry = await chat.messages.sendMessage(
        alice.id,
        { roomId, text: 'once', clientMessageId: 'm-2' },
        alice.conn,
      );
      assert.deepEqual(retry, { message: first.message, duplicate: true });
      assert.deepEqual(broadcaster.take(bob.conn), []);
      const page = await chat.messages.history(bob.id, roomId);
      assert.equal(page.messages.filter((message) => message.clientMessageId === 'm-2').length, 1);
    });

    it('enforces the text limits', async () => {
      const exact = 'é'.repeat(ChatLimits.messageMaxLength);
      const { message } = await chat.messages.sendMessage(alice.id, { roomId, text: exact, clientMessageId: 'm-3' });
      assert.equal(message.text, exact);
      await assertChatError(
        chat.messages.sendMessage(alice.id, { roomId, text: `${exact}x`, clientMessageId: 'm-4' }),
        'MESSAGE_TOO_LONG',
      );
      // Code points, not UTF-16 units: 4000 emoji are allowed.
      const emoji = '😀'.repeat(ChatLimits.messageMaxLength);
      assert.equal(
        (await chat.messages.sendMessage(alice.id, { roomId, text: emoji, clientMessageId: 'm-5' })).message.text,
        emoji,
      );
      await assertChatError(
        chat.messages.sendMessage(alice.id, { roomId, text: ' \n\t', clientMessageId: 'm-6' }),
        'EMPTY_MESSAGE',
      );
      await assertChatError(
        chat.messages.sendMessage(alice.id, { roomId, text: 'x', clientMessageId: '' }),
        'BAD_REQUEST',
      );
    });

    it('refuses sends to rooms the user is not in or that do not exist', async () => {
      const carol = await signUp();
      await assertChatError(
        chat.messages.sendMessage(carol.id, { roomId, text: 'hi', clientMessageId: 'c-1' }),
        'NOT_A_MEMBER',
      );
      await assertChatError(
        chat.messages.sendMessage(carol.id, { roomId: randomUUID(), text: 'hi', clientMessageId: 'c-2' }),
        'ROOM_NOT_FOUND',
      );
    });

    it('lets only the author edit and delete, and broadcasts both', async () => {
      const outsider = await signUp();
      const { message } = await chat.messages.sendMessage(
        alice.id,
        { roomId, text: 'typo', clientMessageId: 'm-7' },
        alice.conn,
      );
      broadcaster.take(bob.conn);
      await assertChatError(chat.messages.editMessage(bob.id, message.id, 'mine now', bob.conn), 'NOT_YOUR_MESSAGE');
      await assertChatError(chat.messages.deleteMessage(bob.id, message.id, bob.conn), 'NOT_YOUR_MESSAGE');
      await assertChatError(chat.messages.editMessage(outsider.id, message.id, 'x'), 'MESSAGE_NOT_FOUND');
      await assertChatError(chat.messages.editMessage(alice.id, randomUUID(), 'x'), 'MESSAGE_NOT_FOUND');

      clock.advance(1000);
      const edited = await chat.messages.editMessage(alice.id, message.id, 'fixed', alice.conn);
      assert.equal(edited.type, 'messageEdited');
      assert.equal(edited.message.text, 'fixed');
      assert.equal(edited.message.editedAt, clock.now());
      const deleted = await chat.messages.deleteMessage(alice.id, message.id, alice.conn);
      assert.equal(deleted.message.text, '');
      assert.deepEqual(broadcaster.take(bob.conn), [edited, deleted]);
      await assertChatError(chat.messages.editMessage(alice.id, message.id, 'again'), 'MESSAGE_DELETED');
      await assertChatError(chat.messages.deleteMessage(alice.id, message.id), 'MESSAGE_DELETED');
    });

    it('pages history newest first, each page in ascending order', async () => {
      const sent = [];
      for (let i = 0; i < 7; i++) {
        sent.push(
          (await chat.messages.sendMessage(bob.id, { roomId, text: `page ${i}`, clientMessageId: `p-${i}` })).message,
        );
      }
      const newest = await chat.messages.history(alice.id, roomId, { limit: 4 });
      assert.deepEqual(
        newest.messages.map((message) => message.text),
        ['page 3', 'page 4', 'page 5', 'page 6'],
      );
      assert.equal(newest.hasMore, true);
      const older = await chat.messages.history(alice.id, roomId, { before: newest.messages[0]!.seq, limit: 3 });
      assert.deepEqual(
        older.messages.map((message) => message.text),
        ['page 0', 'page 1', 'page 2'],
      );
      await assertChatError(chat.messages.history(alice.id, roomId, { limit: 0 }), 'BAD_REQUEST');
      await assertChatError(
        chat.messages.history(alice.id, roomId, { limit: ChatLimits.historyMaxLimit + 1 }),
        'BAD_REQUEST',
      );
    });

    it('catches a reconnecting client up on everything it missed, in pages, with no gap or duplicate', async () => {
      const lastSeq = (await chat.presence.hello(bob.id)).rooms.find((room) => room.id === roomId)!.lastSeq;
      await disconnect(bob.conn);
      const missed = ChatLimits.catchUpPageSize + 5;
      for (let i = 0; i < missed; i++) {
        await chat.messages.sendMessage(
          alice.id,
          { roomId, text: `while away ${i}`, clientMessageId: `away-${i}` },
          alice.conn,
        );
      }
      bob.conn = randomUUID();
      await chat.presence.connect(bob.conn, bob.identity);

      const seqs: number[] = [];
      let from = lastSeq;
      for (let call = 0; call < 3; call++) {
        const { rooms, notMember } = await chat.messages.catchUp(bob.id, [{ roomId, lastSeq: from }]);
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
      await chat.messages.sendMessage(alice.id, { roomId, text: 'welcome back', clientMessageId: 'back' }, alice.conn);
      assert.deepEqual(
        broadcaster.take(bob.conn).map((message) => message.type === 'message' && message.seq),
        [from + 1],
      );
    });

    it('keeps unread counts on the server and tells the other connections', async () => {
      const before = (await chat.presence.hello(bob.id)).rooms.find((room) => room.id === roomId)!;
      await chat.readState.markRead(bob.id, roomId, before.lastSeq, bob.conn);
      await chat.messages.sendMessage(alice.id, { roomId, text: 'unread 1', clientMessageId: 'u-1' });
      const { message } = await chat.messages.sendMessage(alice.id, {
        roomId,
        text: 'unread 2',
        clientMessageId: 'u-2',
      });
      const bobTab2 = randomUUID();
      await chat.presence.connect(bobTab2, bob.identity);
      assert.equal((await chat.presence.hello(bob.id)).rooms.find((room) => room.id === roomId)?.unread, 2);
      broadcaster.take(bobTab2);
      const state = await chat.readState.markRead(bob.id, roomId, message.seq - 1, bob.conn);
      assert.deepEqual(state, { roomId, lastReadSeq: message.seq - 1, unread: 1, mentions: 0 });
      assert.deepEqual(broadcaster.take(bobTab2), [{ type: 'read', ...state }]);
      await disconnect(bobTab2);
    });

    it('relays typing at most once per interval to the others, and never stores it', async () => {
      broadcaster.take(bob.conn);
      broadcaster.take(alice.conn);
      const lastSeq = (await chat.presence.hello(alice.id)).rooms.find((room) => room.id === roomId)!.lastSeq;
      assert.equal(await chat.presence.typing(alice.id, roomId, alice.conn), true);
      assert.equal(await chat.presence.typing(alice.id, roomId, aliceTab2), false);
      clock.advance(ChatLimits.typingIntervalMs - 1);
      assert.equal(await chat.presence.typing(alice.id, roomId, alice.conn), false);
      clock.advance(1);
      assert.equal(await chat.presence.typing(alice.id, roomId, alice.conn), true);
      const typing = { type: 'typing', roomId, user: alice.session.user, ttlMs: ChatLimits.typingTtlMs };
      assert.deepEqual(broadcaster.take(bob.conn), [typing, typing]);
      assert.deepEqual(broadcaster.take(alice.conn), []);
      assert.equal((await chat.presence.hello(alice.id)).rooms.find((room) => room.id === roomId)!.lastSeq, lastSeq);
      const carol = await signUp();
      await assertChatError(chat.presence.typing(carol.id, roomId), 'NOT_A_MEMBER');
    });

    it('reports a failing broadcaster without failing the acknowledged write', async () => {
      const failing: Broadcaster = {
        sendToConnection: () => Promise.reject(new Error('socket layer down')),
        publishToRoom: () => Promise.reject(new Error('socket layer down')),
        subscribe: () => Promise.reject(new Error('socket layer down')),
        unsubscribe: () => Promise.reject(new Error('socket layer down')),
        disconnect: () => Promise.reject(new Error('socket layer down')),
      };
      const degraded = new ChatService({
        store,
        broadcaster: failing,
        tokens,
        clock,
        logger: { warn: (d) => warnings.push(d) },
        rateLimitStore: new MemoryRateLimitStore(),
      });
      const before = warnings.length;
      const { message } = await degraded.messages.sendMessage(alice.id, {
        roomId,
        text: 'still stored',
        clientMessageId: 'f-1',
      });
      assert.equal((await store.getMessage(message.id))?.text, 'still stored');
      assert.equal(warnings.length, before + 1);
    });
  });

  describe('rooms', () => {
    it('lists invite links made in the same millisecond newest first, in the order they were made', async () => {
      const alice = await signUp();
      const room = await chat.rooms.createRoom(alice.id, uniqueName('links'), alice.conn);
      const made = [];
      for (let index = 0; index < 5; index++) made.push((await chat.invites.createInvite(alice.id, room.id)).invite.id);
      assert.deepEqual(
        (await chat.invites.listInvites(alice.id, room.id)).map(({ id }) => id),
        made.reverse(),
      );
    });

    it('creates rooms by the naming rules, lists them, and refuses duplicates', async () => {
      const alice = await signUp();
      const name = uniqueName('Team');
      const room = await chat.rooms.createRoom(alice.id, `  ${name} `, alice.conn);
      assert.equal(room.name, name.toLowerCase());
      assert.equal(room.kind, 'room');
      await assertChatError(chat.rooms.createRoom(alice.id, name.toUpperCase()), 'ROOM_NAME_TAKEN');
      for (const bad of ['x', 'a'.repeat(33), 'with space', '_lead', 'dot.ted']) {
        await assertChatError(chat.rooms.createRoom(alice.id, bad), 'INVALID_ROOM_NAME');
      }
      const { joined, directory } = await chat.rooms.listRooms(alice.id);
      assert.ok(joined.some((entry) => entry.id === room.id));
      assert.deepEqual(
        directory.find((entry) => entry.id === room.id),
        { id: room.id, name: room.name, topic: null, memberCount: 1, joined: true },
      );
    });

    it('announces joins and leaves, and a leaver stops receiving the room', async () => {
      const [alice, bob] = [await signUp(), await signUp()];
      const bobTab2 = randomUUID();
      await chat.presence.connect(bobTab2, bob.identity);
      const room = await chat.rooms.createRoom(alice.id, uniqueName('club'), alice.conn);
      broadcaster.take(alice.conn);
      broadcaster.take(bobTab2);

      const joined = await chat.rooms.joinRoom(bob.id, room.id, bob.conn);
      assert.equal(joined.unread, 0);
      assert.deepEqual(await chat.rooms.joinRoom(bob.id, room.id, bob.conn), joined);
      assert.deepEqual(types(broadcaster.take(alice.conn)), ['memberJoined']);
      assert.deepEqual(types(broadcaster.take(bobTab2)), ['memberJoined', 'roomJoined']);

      await chat.rooms.leaveRoom(bob.id, room.id, bob.conn);
      assert.deepEqual(types(broadcaster.take(alice.conn)), ['memberLeft']);
      assert.deepEqual(broadcaster.take(bobTab2), [{ type: 'roomLeft', roomId: room.id }]);
      broadcaster.take(bob.conn);
      await chat.messages.sendMessage(alice.id, { roomId: room.id, text: 'bob is gone', clientMessageId: 'g-1' });
      assert.deepEqual(broadcaster.take(bob.conn), []);
      assert.deepEqual(broadcaster.take(bobTab2), []);
      await assertChatError(chat.rooms.leaveRoom(bob.id, room.id), 'NOT_A_MEMBER');
      await assertChatError(chat.messages.history(bob.id, room.id), 'NOT_A_MEMBER');
      await assertChatError(chat.rooms.joinRoom(bob.id, randomUUID()), 'ROOM_NOT_FOUND');
      await disconnect(bobTab2);
    });
  });

  describe('audit log', () => {
    it('lists what moderators did in one millisecond in the order they did it', async () => {
      const [alice, bob] = [await signUp(), await signUp()];
      const room = await chat.rooms.createRoom(alice.id, uniqueName('log'), alice.conn);
      await chat.rooms.joinRoom(bob.id, room.id, bob.conn);
      // The manual clock stands still: every entry has the same `at`.
      const roles = ['admin', 'member', 'admin', 'member', 'admin', 'member'] as const;
      for (const role of roles) await chat.moderation.setMemberRole(alice.id, room.id, bob.id, role, alice.conn);
      const { entries } = await chat.auditLog.list(alice.id, room.id);
      assert.deepEqual(
        entries.map((entry) => entry.detail),
        [...roles].reverse(),
      );
    });
  });

  describe('direct conversations', () => {
    it('are readable, listable and received by the two members only', async () => {
      const [alice, bob, carol] = [await signUp(), await signUp(), await signUp()];
      const dm = await chat.rooms.openDirect(
        alice.id,
        { username: bob.session.user.username.toUpperCase() },
        alice.conn,
      );
      assert.equal(dm.kind, 'direct');
      assert.deepEqual(dm.peer, bob.session.user);
      assert.deepEqual(await chat.rooms.openDirect(bob.id, { userId: alice.id }), { ...dm, peer: alice.session.user });
      const bobJoined = broadcaster.ofType(bob.conn, 'roomJoined');
      assert.equal(bobJoined.length, 1);
      assert.equal(bobJoined[0]?.room.peer?.id, alice.id);
      broadcaster.take(bob.conn);
      broadcaster.take(carol.conn);

      const word = `secret${randomUUID().slice(0, 8)}`;
      await chat.messages.sendMessage(
        alice.id,
        { roomId: dm.id, text: `the ${word} plan`, clientMessageId: 'dm-1' },
        alice.conn,
      );
      assert.deepEqual(types(broadcaster.take(bob.conn)), ['message']);
      assert.deepEqual(broadcaster.take(carol.conn), []);

      // Whatever a third user sends, the conversation does not exist for them.
      await assertChatError(
        chat.messages.sendMessage(carol.id, { roomId: dm.id, text: 'let me in', clientMessageId: 'x' }),
        'ROOM_NOT_FOUND',
      );
      await assertChatError(chat.messages.history(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.rooms.members(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.rooms.joinRoom(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.presence.typing(carol.id, dm.id), 'ROOM_NOT_FOUND');
      await assertChatError(chat.readState.markRead(carol.id, dm.id, 1), 'ROOM_NOT_FOUND');
      await assertChatError(chat.search.search(carol.id, word, { roomId: dm.id }), 'ROOM_NOT_FOUND');
      assert.deepEqual(await chat.search.search(carol.id, word), []);
      assert.deepEqual((await chat.messages.catchUp(carol.id, [{ roomId: dm.id, lastSeq: 0 }])).notMember, [dm.id]);
      assert.ok(!(await chat.rooms.listRooms(carol.id)).directory.some((room) => room.id === dm.id));
      assert.ok(!(await chat.rooms.listRooms(carol.id)).joined.some((room) => room.id === dm.id));
      assert.equal((await chat.search.search(bob.id, word))[0]?.roomName, alice.session.user.username);

      await assertChatError(chat.rooms.leaveRoom(alice.id, dm.id), 'DIRECT_CONVERSATION');
      await assertChatError(chat.rooms.joinRoom(alice.id, dm.id), 'DIRECT_CONVERSATION');
      await assertChatError(chat.rooms.openDirect(alice.id, { userId: alice.id }), 'BAD_REQUEST');
      await assertChatError(chat.rooms.openDirect(alice.id, { userId: randomUUID() }), 'USER_NOT_FOUND');
    });
  });

  describe('search', () => {
    it('finds messages in readable rooms with markup-free highlighted snippets', async () => {
      const [alice, bob] = [await signUp(), await signUp()];
      const room = await chat.rooms.createRoom(alice.id, uniqueName('search'));
      const hidden = await chat.rooms.createRoom(bob.id, uniqueName('hidden'));
      const word = `zebra${randomUUID().slice(0, 6)}`;
      await chat.messages.sendMessage(alice.id, {
        roomId: room.id,
        text: `<script>alert(1)</script> ${word}!`,
        clientMessageId: 's-1',
      });
      await chat.messages.sendMessage(bob.id, { roomId: hidden.id, text: `${word} in hiding`, clientMessageId: 's-2' });

      const results = await chat.search.search(alice.id, `  ${word.toUpperCase()} `);
      assert.equal(results.length, 1);
      const [result] = results;
      assert.equal(result?.roomId, room.id);
      assert.equal(result?.roomName, room.name);
      assert.equal(result?.snippet.text, `<script>alert(1)</script> ${word}!`);
      assert.deepEqual(
        result?.snippet.highlights.map(([start, end]) => result.snippet.text.slice(start, end)),
        [word],
      );
      await assertChatError(chat.search.search(alice.id, '!!! ***'), 'BAD_REQUEST');
      await assertChatError(
        chat.search.search(alice.id, word, { limit: ChatLimits.searchMaxLimit + 1 }),
        'BAD_REQUEST',
      );
    });
  });

  describe('store failure', () => {
    it('answers with STORE_UNAVAILABLE and never acknowledges or broadcasts', async () => {
      const path = join(dir, 'failing.db');
      const failingStore = SqliteChatStore.open(path);
      const local = new RecordingBroadcaster();
      const service = new ChatService({
        store: failingStore,
        broadcaster: local,
        tokens,
        clock,
        rateLimitStore: new MemoryRateLimitStore(),
      });
      const user = await service.accounts.register(uniqueName(), password, client);
      const conn = randomUUID();
      await service.presence.connect(conn, await identityOf(user, service));
      const roomId = (await service.presence.hello(user.user.id)).rooms[0]!.id;
      const listener = randomUUID();
      await local.subscribe(listener, [roomId]);
      await failingStore.close();
      await assertChatError(
        service.messages.sendMessage(user.user.id, { roomId, text: 'lost?', clientMessageId: 'z' }, conn),
        'STORE_UNAVAILABLE',
      );
      assert.deepEqual(local.take(listener), []);
    });
  });
});
