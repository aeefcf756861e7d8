/**
 * The shared conformance suite of the `ChatStore` port: every adapter (SQLite
 * now, PostgreSQL and DynamoDB later) runs it unchanged.
 *
 * `open` is called several times (once for the suite, and again to check
 * durability) and must return stores over the same backing data each time, e.g.
 * the same file or database for the whole run. Tests create their own uniquely
 * named users and rooms, so the backing data need not be empty, but the
 * `clearConnections` test forgets every connection in it.
 *
 * @example
 * runStoreConformance('sqlite', async () => {
 *   const store = SqliteChatStore.open(file);
 *   return { store, close: () => store.close() };
 * });
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatError, type ChatErrorCode } from '../src/domain/errors.ts';
import type { Message, Room, User } from '../src/domain/types.ts';
import { directRoomId } from '../src/domain/views.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';

export interface OpenedStore {
  store: ChatStore;
  close(): Promise<void>;
}

export interface ConformanceOptions {
  /** What the adapter supports; an absent capability skips its tests and checks the typed refusal instead. */
  capabilities?: {
    /** Full-text `searchMessages`. Without it the adapter must reject with a `ChatError` (`SEARCH_NOT_ENABLED`). @default true */
    search?: boolean;
  };
}

export function runStoreConformance(
  name: string,
  open: () => Promise<OpenedStore>,
  options: ConformanceOptions = {},
): void {
  const searchable = options.capabilities?.search ?? true;
  describe(`ChatStore conformance: ${name}`, () => {
    let opened: OpenedStore;
    let store: ChatStore;
    let clock = 1_700_000_000_000;
    const now = () => ++clock;

    before(async () => {
      opened = await open();
      store = opened.store;
    });
    after(() => opened.close());

    const newUser = (options: { guest?: boolean; passwordHash?: string } = {}): Promise<User> =>
      store.createUser({
        id: randomUUID(),
        username: uniqueName('u'),
        guest: options.guest ?? false,
        createdAt: now(),
        passwordHash: options.passwordHash,
      });
    const newRoom = (creator: User | null = null): Promise<Room> =>
      store.createRoom({ id: randomUUID(), name: uniqueName('r'), createdBy: creator?.id ?? null, createdAt: now() });
    const roomWith = async (...users: User[]): Promise<Room> => {
      const room = await newRoom(users[0]);
      for (const user of users) await store.addMember(room.id, user.id, now());
      return room;
    };
    const send = async (room: Room, author: User, text: string, clientMessageId: string | null = null) =>
      store.appendMessage({
        id: randomUUID(),
        roomId: room.id,
        authorId: author.id,
        authorName: author.username,
        text,
        clientMessageId,
        at: now(),
      });

    describe('users and credentials', () => {
      it('creates a user and finds it by id and by username', async () => {
        const user = await newUser();
        assert.deepEqual(await store.getUser(user.id), user);
        assert.deepEqual(await store.getUserByUsername(user.username), user);
        assert.equal(user.guest, false);
        assert.equal(await store.getUser(randomUUID()), undefined);
        assert.equal(await store.getUserByUsername(uniqueName('nobody')), undefined);
      });

      it('keeps the guest flag', async () => {
        const guest = await newUser({ guest: true });
        assert.equal((await store.getUser(guest.id))?.guest, true);
      });

      it('rejects a taken username, also in another case, with USERNAME_TAKEN', async () => {
        const user = await newUser();
        const again = { id: randomUUID(), username: user.username, guest: false, createdAt: now() };
        await assertChatError(store.createUser(again), 'USERNAME_TAKEN');
        await assertChatError(
          store.createUser({ ...again, id: randomUUID(), username: user.username.toUpperCase() }),
          'USERNAME_TAKEN',
        );
        assert.equal(await store.getUser(again.id), undefined);
      });

      it('stores the password hash of registered users only', async () => {
        const user = await newUser({ passwordHash: 'scrypt$1$2$3$salt$hash' });
        const guest = await newUser({ guest: true });
        assert.equal(await store.getPasswordHash(user.id), 'scrypt$1$2$3$salt$hash');
        assert.equal(await store.getPasswordHash(guest.id), undefined);
        assert.equal(await store.getPasswordHash(randomUUID()), undefined);
      });
    });

    describe('rate-limit counters', () => {
      it('counts hits within a window, then starts a new one', async () => {
        const key = uniqueName('k');
        const t = now();
        assert.deepEqual(await store.peekCounter(key, t), { count: 0, resetAt: t });
        assert.deepEqual(await store.hitCounter(key, 1000, t), { count: 1, resetAt: t + 1000 });
        assert.deepEqual(await store.hitCounter(key, 1000, t + 500), { count: 2, resetAt: t + 1000 });
        assert.equal((await store.peekCounter(key, t + 999)).count, 2);
        assert.equal((await store.peekCounter(key, t + 1000)).count, 0);
        assert.deepEqual(await store.hitCounter(key, 1000, t + 1000), { count: 1, resetAt: t + 2000 });
        await store.resetCounter(key);
        assert.equal((await store.peekCounter(key, t + 1001)).count, 0);
      });
    });

    describe('rooms and memberships', () => {
      it('creates a room, finds it by id and name, and lists it', async () => {
        const user = await newUser();
        const room = await newRoom(user);
        assert.equal(room.kind, 'room');
        assert.equal(room.lastSeq, 0);
        assert.deepEqual(await store.getRoom(room.id), room);
        assert.deepEqual(await store.getRoomByName(room.name!), room);
        const listed = (await store.listPublicRooms(user.id)).find((entry) => entry.room.id === room.id);
        assert.deepEqual(listed, { room, memberCount: 0, joined: false });
      });

      it('rejects a taken room name with ROOM_NAME_TAKEN', async () => {
        const room = await newRoom();
        await assertChatError(
          store.createRoom({ id: randomUUID(), name: room.name!, createdBy: null, createdAt: now() }),
          'ROOM_NAME_TAKEN',
        );
      });

      it('adds a member with a memberJoined event and marks the past read', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        await send(room, alice, 'before bob');
        const at = now();
        const { membership, event } = await store.addMember(room.id, bob.id, at);
        assert.deepEqual(event, {
          type: 'memberJoined',
          roomId: room.id,
          seq: 3,
          at,
          user: {
            id: bob.id,
            username: bob.username,
            guest: false,
            avatar: event?.type === 'memberJoined' ? event.user.avatar : undefined,
          },
        });
        assert.deepEqual(membership, { roomId: room.id, userId: bob.id, joinedAt: at, lastReadSeq: 3 });
        assert.deepEqual(await store.getMembership(room.id, bob.id), membership);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 0);
        const listed = (await store.listPublicRooms(bob.id)).find((entry) => entry.room.id === room.id);
        assert.equal(listed?.memberCount, 2);
        assert.equal(listed?.joined, true);
      });

      it('treats a second add and a remove of a non-member as no-ops', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const again = await store.addMember(room.id, alice.id, now());
        assert.equal(again.event, null);
        assert.equal(again.membership?.userId, alice.id);
        const outsider = await newUser();
        assert.deepEqual(await store.removeMember(room.id, outsider.id, now()), { membership: null, event: null });
        assert.equal((await store.getRoom(room.id))?.lastSeq, 1);
      });

      it('removes a member with a memberLeft event', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const { event } = await store.removeMember(room.id, bob.id, now());
        assert.equal(event?.type, 'memberLeft');
        assert.equal(event?.seq, 3);
        assert.equal(await store.getMembership(room.id, bob.id), undefined);
        assert.deepEqual(
          (await store.listMembers(room.id)).map((member) => member.user.id),
          [alice.id],
        );
        assert.equal(await store.getUserRoom(bob.id, room.id), undefined);
      });

      it('rejects adding to an unknown room with ROOM_NOT_FOUND', async () => {
        const alice = await newUser();
        await assertChatError(store.addMember(randomUUID(), alice.id, now()), 'ROOM_NOT_FOUND');
      });

      it("lists a room's members and a user's rooms", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const one = await roomWith(alice, bob);
        const two = await roomWith(alice);
        const members = await store.listMembers(one.id);
        assert.deepEqual(members.map((member) => member.user.id).sort(), [alice.id, bob.id].sort());
        assert.deepEqual(
          (await store.listUserRooms(alice.id)).map(({ room }) => room.id).sort(),
          [one.id, two.id].sort(),
        );
        assert.deepEqual(
          (await store.listUserRooms(bob.id)).map(({ room }) => room.id),
          [one.id],
        );
      });
    });

    describe('direct conversations', () => {
      it('opens once for a pair, with exactly the two members', async () => {
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const id = directRoomId(alice.id, bob.id);
        const first = await store.openDirect({ id, userIds: [alice.id, bob.id], createdAt: now() });
        assert.equal(first.created, true);
        assert.equal(first.room.kind, 'direct');
        assert.equal(first.room.name, null);
        const second = await store.openDirect({ id, userIds: [bob.id, alice.id], createdAt: now() });
        assert.deepEqual(second, { room: first.room, created: false });
        assert.deepEqual(
          (await store.listMembers(id)).map((member) => member.user.id).sort(),
          [alice.id, bob.id].sort(),
        );
        assert.equal(await store.getMembership(id, carol.id), undefined);
      });

      it('shows the peer to each member and stays out of the directory', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const { room } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        assert.deepEqual((await store.getUserRoom(alice.id, room.id))?.peer, bob);
        assert.deepEqual((await store.getUserRoom(bob.id, room.id))?.peer, alice);
        assert.ok(!(await store.listPublicRooms(alice.id)).some((entry) => entry.room.id === room.id));
        assert.equal(await store.getRoomByName(room.id), undefined);
      });

      it("reaches only the two members' connections", async () => {
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const { room } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        const ids = { alice: randomUUID(), bob: randomUUID(), carol: randomUUID() };
        await store.addConnection({ connectionId: ids.alice, userId: alice.id, connectedAt: now() });
        await store.addConnection({ connectionId: ids.bob, userId: bob.id, connectedAt: now() });
        await store.addConnection({ connectionId: ids.carol, userId: carol.id, connectedAt: now() });
        assert.deepEqual(
          (await store.listRoomConnections(room.id)).map((connection) => connection.connectionId).sort(),
          [ids.alice, ids.bob].sort(),
        );
      });
    });

    describe('messages and sequence numbers', () => {
      it('appends a message with the next sequence number and a message event', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const at = now();
        const id = randomUUID();
        const result = await store.appendMessage({
          id,
          roomId: room.id,
          authorId: alice.id,
          authorName: alice.username,
          text: 'hello',
          clientMessageId: 'c1',
          at,
        });
        const expected: Message = {
          id,
          roomId: room.id,
          seq: 2,
          authorId: alice.id,
          authorName: alice.username,
          text: 'hello',
          clientMessageId: 'c1',
          createdAt: at,
          editedAt: null,
          deletedAt: null,
        };
        assert.deepEqual(result, {
          message: expected,
          event: { type: 'message', roomId: room.id, seq: 2, at, message: expected },
          created: true,
        });
        assert.deepEqual(await store.getMessage(id), expected);
        assert.equal((await store.getRoom(room.id))?.lastSeq, 2);
      });

      it('gives concurrent appends distinct, consecutive numbers', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, i) => send(room, i % 2 ? alice : bob, `message ${i}`, `c${i}`)),
        );
        const seqs = results.map((result) => result.message.seq).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 40 }, (_, i) => i + 3),
        );
        assert.equal((await store.getRoom(room.id))?.lastSeq, 42);
      });

      it('keeps separate rooms on separate sequences', async () => {
        const alice = await newUser();
        const [one, two] = [await roomWith(alice), await roomWith(alice)];
        assert.equal((await send(one, alice, 'a')).message.seq, 2);
        assert.equal((await send(two, alice, 'b')).message.seq, 2);
        assert.equal((await send(one, alice, 'c')).message.seq, 3);
      });

      it('rejects an append to an unknown room with ROOM_NOT_FOUND', async () => {
        const alice = await newUser();
        await assertChatError(send({ id: randomUUID() } as Room, alice, 'lost'), 'ROOM_NOT_FOUND');
      });

      it('returns the first message for a repeated client message id and writes nothing', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const first = await send(room, alice, 'once', 'retry-1');
        const again = await send(room, alice, 'once, retried', 'retry-1');
        assert.equal(again.created, false);
        assert.deepEqual(again.message, first.message);
        assert.deepEqual(again.event, first.event);
        assert.equal((await store.getRoom(room.id))?.lastSeq, first.message.seq);
        // The id is scoped to the author and the room.
        assert.equal((await send(room, bob, 'mine', 'retry-1')).created, true);
        const other = await roomWith(alice);
        assert.equal((await send(other, alice, 'elsewhere', 'retry-1')).created, true);
      });

      it('edits a message with a messageEdited event', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await send(room, alice, 'draft');
        const at = now();
        const event = await store.editMessage(message.id, 'final', at);
        assert.deepEqual(event, {
          type: 'messageEdited',
          roomId: room.id,
          seq: message.seq + 1,
          at,
          message: { ...message, text: 'final', editedAt: at },
        });
        assert.deepEqual(await store.getMessage(message.id), { ...message, text: 'final', editedAt: at });
      });

      it('deletes a message to a tombstone with a messageDeleted event', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await send(room, alice, 'oops');
        const at = now();
        const event = await store.deleteMessage(message.id, at);
        assert.deepEqual(event, {
          type: 'messageDeleted',
          roomId: room.id,
          seq: message.seq + 1,
          at,
          message: { ...message, text: '', deletedAt: at },
        });
        assert.equal(await store.editMessage(message.id, 'revived', now()), undefined);
        assert.equal(await store.deleteMessage(message.id, now()), undefined);
        assert.equal(await store.editMessage(randomUUID(), 'nothing', now()), undefined);
        assert.equal((await store.getRoom(room.id))?.lastSeq, message.seq + 1);
      });
    });

    describe('history', () => {
      it('pages backwards from the newest, each page oldest first, tombstones included', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const sent: Message[] = [];
        for (let i = 0; i < 25; i++) sent.push((await send(room, alice, `m${i}`)).message);
        await store.deleteMessage(sent[20]!.id, now());

        const newest = await store.listMessages(room.id, { limit: 10 });
        assert.equal(newest.hasMore, true);
        assert.deepEqual(
          newest.messages.map((message) => message.text),
          ['m15', 'm16', 'm17', 'm18', 'm19', '', 'm21', 'm22', 'm23', 'm24'],
        );
        assert.notEqual(newest.messages[5]?.deletedAt, null);

        const middle = await store.listMessages(room.id, { beforeSeq: newest.messages[0]!.seq, limit: 10 });
        assert.deepEqual(
          middle.messages.map((message) => message.text),
          sent.slice(5, 15).map((message) => message.text),
        );
        assert.equal(middle.hasMore, true);
        const oldest = await store.listMessages(room.id, { beforeSeq: middle.messages[0]!.seq, limit: 10 });
        assert.deepEqual(
          oldest.messages.map((message) => message.text),
          ['m0', 'm1', 'm2', 'm3', 'm4'],
        );
        assert.equal(oldest.hasMore, false);
      });

      it('returns an empty page for a room without messages', async () => {
        const room = await roomWith(await newUser());
        assert.deepEqual(await store.listMessages(room.id, { limit: 10 }), { messages: [], hasMore: false });
      });
    });

    describe('events and catch-up', () => {
      it('lists every event after a sequence number, in order, with no gap or duplicate', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        const first = await send(room, alice, 'one');
        await store.addMember(room.id, bob.id, now());
        const second = await send(room, bob, 'two');
        await store.editMessage(first.message.id, 'one, edited', now());
        await store.deleteMessage(second.message.id, now());
        await store.removeMember(room.id, bob.id, now());

        const all = await store.listEvents(room.id, 0, 100);
        assert.deepEqual(
          all.map((event) => [event.seq, event.type]),
          [
            [1, 'memberJoined'],
            [2, 'message'],
            [3, 'memberJoined'],
            [4, 'message'],
            [5, 'messageEdited'],
            [6, 'messageDeleted'],
            [7, 'memberLeft'],
          ],
        );
        // Message events carry the message's current state.
        const firstEvent = all[1]!;
        assert.ok(firstEvent.type === 'message');
        assert.equal(firstEvent.message.text, 'one, edited');
        const joined = all[2]!;
        assert.ok(joined.type === 'memberJoined');
        assert.equal(joined.user.id, bob.id);

        assert.deepEqual(
          (await store.listEvents(room.id, 3, 100)).map((event) => event.seq),
          [4, 5, 6, 7],
        );
        assert.deepEqual(
          (await store.listEvents(room.id, 1, 2)).map((event) => event.seq),
          [2, 3],
        );
        assert.deepEqual(await store.listEvents(room.id, 7, 100), []);
      });

      it('pages through interleaved writes without losing or repeating an event', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const seen: number[] = [];
        let last = 0;
        for (let round = 0; round < 5; round++) {
          await Promise.all([
            send(room, alice, `a${round}`),
            send(room, alice, `b${round}`),
            send(room, alice, `c${round}`),
          ]);
          const page = await store.listEvents(room.id, last, 2);
          for (const event of page) seen.push(event.seq);
          last = page.at(-1)?.seq ?? last;
        }
        for (
          let page = await store.listEvents(room.id, last, 2);
          page.length > 0;
          page = await store.listEvents(room.id, last, 2)
        ) {
          for (const event of page) seen.push(event.seq);
          last = page.at(-1)!.seq;
        }
        assert.deepEqual(
          seen,
          Array.from({ length: 16 }, (_, i) => i + 1),
        );
      });
    });

    describe('read markers and unread counts', () => {
      it("counts others' live messages after the marker, moving it forward only", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const m1 = await send(room, alice, 'one');
        await send(room, alice, 'two');
        const m3 = await send(room, alice, 'three');
        await send(room, bob, 'my own');
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 3);
        assert.equal((await store.getUserRoom(alice.id, room.id))?.unread, 1);

        await store.deleteMessage(m3.message.id, now());
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 2);

        const read = await store.markRead(room.id, bob.id, m1.message.seq);
        assert.equal(read?.membership.lastReadSeq, m1.message.seq);
        assert.equal(read?.unread, 1);
        const back = await store.markRead(room.id, bob.id, 1);
        assert.equal(back?.membership.lastReadSeq, m1.message.seq);

        const lastSeq = (await store.getRoom(room.id))!.lastSeq;
        const capped = await store.markRead(room.id, bob.id, lastSeq + 100);
        assert.equal(capped?.membership.lastReadSeq, lastSeq);
        assert.equal(capped?.unread, 0);
        assert.deepEqual(
          (await store.listUserRooms(bob.id)).map(({ room: r, unread }) => [r.id, unread]),
          [[room.id, 0]],
        );
      });

      it('does not mark for a non-member', async () => {
        const [alice, carol] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        assert.equal(await store.markRead(room.id, carol.id, 1), undefined);
        assert.equal(await store.getMembership(room.id, carol.id), undefined);
      });
    });

    describe('connections', () => {
      it('counts connections per user and lists each online user once', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const [a1, a2, b1] = [randomUUID(), randomUUID(), randomUUID()];
        const at = now();
        assert.equal(await store.addConnection({ connectionId: a1, userId: alice.id, connectedAt: at }), 1);
        assert.equal(await store.addConnection({ connectionId: a2, userId: alice.id, connectedAt: at + 1 }), 2);
        assert.equal(await store.addConnection({ connectionId: b1, userId: bob.id, connectedAt: at + 2 }), 1);
        assert.deepEqual(await store.getConnection(a1), { connectionId: a1, userId: alice.id, connectedAt: at });
        assert.deepEqual(
          (await store.listUserConnections(alice.id)).map((connection) => connection.connectionId),
          [a1, a2],
        );
        const online = (await store.listOnlineUsers()).filter((user) => user.id === alice.id || user.id === bob.id);
        assert.equal(online.length, 2);

        assert.deepEqual(await store.removeConnection(a1), {
          connection: { connectionId: a1, userId: alice.id, connectedAt: at },
          remaining: 1,
        });
        assert.equal(await store.removeConnection(a1), undefined);
        assert.equal((await store.removeConnection(a2))?.remaining, 0);
        assert.ok(!(await store.listOnlineUsers()).some((user) => user.id === alice.id));
        assert.equal(await store.getConnection(a2), undefined);
      });

      it("lists a room's member connections, and forgets all connections on clear", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        const [a1, b1] = [randomUUID(), randomUUID()];
        await store.addConnection({ connectionId: a1, userId: alice.id, connectedAt: now() });
        await store.addConnection({ connectionId: b1, userId: bob.id, connectedAt: now() });
        assert.deepEqual(
          (await store.listRoomConnections(room.id)).map((connection) => connection.connectionId),
          [a1],
        );
        await store.clearConnections();
        assert.equal(await store.getConnection(a1), undefined);
        assert.deepEqual(await store.listUserConnections(bob.id), []);
      });
    });

    describe('search', { skip: searchable ? false : `${name} has no full-text search` }, () => {
      it('never returns a message from a room or conversation the user cannot read', async () => {
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const word = uniqueWord();
        const shared = await roomWith(alice, carol);
        const secret = await roomWith(alice, bob);
        const { room: dm } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        const visible = await send(shared, alice, `the ${word} in the shared room`);
        await send(secret, alice, `the ${word} in the secret room`);
        await send(dm, bob, `the ${word} between alice and bob`);
        const left = await roomWith(carol);
        await send(left, carol, `the ${word} before carol left`);
        await store.removeMember(left.id, carol.id, now());

        const hits = await store.searchMessages({ userId: carol.id, terms: [word], limit: 50 });
        assert.deepEqual(
          hits.map((hit) => hit.message.id),
          [visible.message.id],
        );
        assert.equal((await store.searchMessages({ userId: alice.id, terms: [word], limit: 50 })).length, 3);
        assert.equal((await store.searchMessages({ userId: bob.id, terms: [word], limit: 50 })).length, 2);
        assert.deepEqual(
          await store.searchMessages({ userId: carol.id, terms: [word], roomId: secret.id, limit: 50 }),
          [],
        );
      });

      it('matches word prefixes, needs every term, skips deleted text and finds edited text', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const word = uniqueWord();
        const both = await send(room, alice, `Planning the ${word}launch for Tuesday`);
        await send(room, alice, `${word}launch postponed`);
        const gone = await send(room, alice, `${word}launch secret plans`);
        await store.deleteMessage(gone.message.id, now());
        const edited = await send(room, alice, 'nothing to see');
        await store.editMessage(edited.message.id, `${word}edited text`, now());

        const search = (...terms: string[]) =>
          store.searchMessages({ userId: alice.id, terms, roomId: room.id, limit: 50 });
        assert.equal((await search(word)).length, 3);
        assert.deepEqual(
          (await search(word, 'tues')).map((hit) => hit.message.id),
          [both.message.id],
        );
        assert.deepEqual(await search(`${word}launch`, 'secret'), []);
        assert.deepEqual(await search('nothing'), []);
        assert.deepEqual(
          (await search(`${word}edited`)).map((hit) => hit.message.id),
          [edited.message.id],
        );
        const ordered = await search(word);
        assert.deepEqual(
          ordered.map((hit) => hit.message.createdAt),
          ordered.map((hit) => hit.message.createdAt).sort((a, b) => b - a),
        );
        assert.equal(ordered[0]?.room.id, room.id);
      });

      it('returns a markup-free snippet with highlight ranges on the matches', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const word = uniqueWord();
        const text = `Is <b>${word}</b> & ${word}s "safe"?`;
        await send(room, alice, text);
        const [hit] = await store.searchMessages({ userId: alice.id, terms: [word], limit: 5 });
        assert.ok(hit);
        assert.equal(hit.snippet.text, text);
        assert.deepEqual(
          hit.snippet.highlights.map(([start, end]) => hit.snippet.text.slice(start, end)),
          [word, `${word}s`],
        );
      });

      it('treats search syntax in terms as plain text', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        await send(room, alice, 'quotes " and stars * and NEAR(x y)');
        for (const term of ['"', '*', 'near(', 'or', 'and', '-x', ')']) {
          const hits = await store.searchMessages({ userId: alice.id, terms: [term], roomId: room.id, limit: 5 });
          assert.ok(Array.isArray(hits));
        }
      });
    });

    if (!searchable) {
      describe('search not enabled', () => {
        it('rejects a search with a typed error, not an empty result', async () => {
          const alice = await newUser();
          await assertChatError(
            store.searchMessages({ userId: alice.id, terms: ['anything'], limit: 5 }),
            'SEARCH_NOT_ENABLED',
          );
        });
      });
    }

    describe('durability', () => {
      it('keeps users, rooms, messages, events and read markers across close and reopen', async () => {
        const first = await open();
        const user = await first.store.createUser({
          id: randomUUID(),
          username: uniqueName('d'),
          guest: false,
          createdAt: now(),
          passwordHash: 'scrypt$x',
        });
        const room = await first.store.createRoom({
          id: randomUUID(),
          name: uniqueName('d'),
          createdBy: user.id,
          createdAt: now(),
        });
        await first.store.addMember(room.id, user.id, now());
        const { message } = await first.store.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: user.id,
          authorName: user.username,
          text: 'survives a restart',
          clientMessageId: 'durable-1',
          at: now(),
        });
        await first.store.markRead(room.id, user.id, message.seq);
        await first.close();

        const second = await open();
        try {
          assert.deepEqual(await second.store.getUser(user.id), user);
          assert.equal(await second.store.getPasswordHash(user.id), 'scrypt$x');
          assert.deepEqual(await second.store.getMessage(message.id), message);
          assert.equal((await second.store.getRoom(room.id))?.lastSeq, 2);
          assert.equal((await second.store.getMembership(room.id, user.id))?.lastReadSeq, 2);
          assert.deepEqual(
            (await second.store.listEvents(room.id, 0, 10)).map((event) => event.type),
            ['memberJoined', 'message'],
          );
          const retry = await second.store.appendMessage({
            id: randomUUID(),
            roomId: room.id,
            authorId: user.id,
            authorName: user.username,
            text: 'survives a restart',
            clientMessageId: 'durable-1',
            at: now(),
          });
          assert.equal(retry.created, false);
          assert.equal(
            (await second.store.appendMessage({ ...retry.message, id: randomUUID(), clientMessageId: null, at: now() }))
              .message.seq,
            3,
          );
        } finally {
          await second.close();
        }
      });
    });
  });
}

/** A name unique to this run: letters and digits, at most 24 characters. */
function uniqueName(prefix: string): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

/** A word no other test writes, so searches over shared backing data stay exact. */
function uniqueWord(): string {
  return `w${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

async function assertChatError(promise: Promise<unknown>, code: ChatErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ChatError, `expected a ChatError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
