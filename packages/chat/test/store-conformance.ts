/**
 * The shared conformance suite of the `ChatStore` port: every adapter (SQLite,
 * PostgreSQL, DynamoDB) runs it unchanged.
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
import { ChatLimits } from '../src/domain/limits.ts';
import type { AuditEntry, Message, MessageMentions, Room, User, UserRoom } from '../src/domain/types.ts';
import { directRoomId, groupRoomId } from '../src/domain/views.ts';
import type { AppendResult, ChatStore, MemberRecord, PublicRoom, UserKey } from '../src/ports/chat-store.ts';
import { privateRoomConformance } from './store-conformance-private-rooms.ts';
import { appendMessages } from './store-fixtures.ts';

/** A page larger than anything a test writes: the whole listing. */
const ALL = { limit: 10_000 };

export interface OpenedStore {
  store: ChatStore;
  close(): Promise<void>;
}

export function runStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
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
        authorGuest: author.guest,
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

      it('replaces a registered user’s password hash, and gives guests none', async () => {
        const user = await newUser({ passwordHash: 'scrypt$1$2$3$old$hash' });
        const guest = await newUser({ guest: true });
        await store.setPasswordHash(user.id, 'scrypt$4$5$6$new$hash');
        await store.setPasswordHash(guest.id, 'scrypt$4$5$6$new$hash');
        await store.setPasswordHash(randomUUID(), 'scrypt$4$5$6$new$hash');
        assert.equal(await store.getPasswordHash(user.id), 'scrypt$4$5$6$new$hash');
        assert.equal(await store.getPasswordHash(guest.id), undefined);
      });
    });

    describe('guests', () => {
      it('leaves a guest whose activity is recorded at or after unlessSince as it is', async () => {
        const base = clock + 2 * 10 ** 12;
        const at = (offset: number) => base + offset;
        const guest = await newUser({ guest: true });
        const idleBefore = async (before: number) =>
          (await store.listIdleGuests(before, 1000)).some((user) => user.id === guest.id);
        await store.recordGuestActivity(guest.id, at(10), at(10));
        await store.recordGuestActivity(guest.id, at(12), at(10));
        assert.equal(await idleBefore(at(11)), true, 'still seen at 10');
        await store.recordGuestActivity(guest.id, at(14), at(11));
        assert.equal(await idleBefore(at(13)), false, 'seen at 14');
        assert.equal(await idleBefore(at(15)), true);
      });

      it('lists guests idle since before a time, the longest idle first, never registered users', async () => {
        // Far in the future of this suite's clock, so guests from other tests stay out of the way.
        const base = clock + 10 ** 12;
        const at = (offset: number) => base + offset;
        const [older, newer] = [await newUser({ guest: true }), await newUser({ guest: true })];
        const registered = await newUser();
        await store.recordGuestActivity(older.id, at(1), at(1));
        await store.recordGuestActivity(newer.id, at(2), at(2));
        await store.recordGuestActivity(registered.id, at(1), at(1));
        const idle = async (before: number) =>
          (await store.listIdleGuests(before, 1000))
            .map((user) => user.id)
            .filter((id) => [older.id, newer.id, registered.id].includes(id));
        assert.deepEqual(await idle(at(1)), []);
        assert.deepEqual(await idle(at(2)), [older.id]);
        assert.deepEqual(await idle(at(3)), [older.id, newer.id]);
        await store.recordGuestActivity(older.id, at(5), at(5));
        assert.deepEqual(await idle(at(3)), [newer.id]);
      });

      it('renames a guest’s messages a page at a time, then retires it under the new name', async () => {
        const guest = await newUser({ guest: true });
        const friend = await newUser();
        const room = await roomWith(guest, friend);
        const sent = [];
        for (const text of ['one', 'two', 'three']) sent.push(await send(room, guest, text));
        const theirs = await send(room, friend, 'mine');
        assert.equal(await store.renameAuthor(guest.id, 'former-guest-0000000000a', 2), 2);
        assert.equal(await store.renameAuthor(guest.id, 'former-guest-0000000000a', 2), 1);
        assert.equal(await store.renameAuthor(guest.id, 'former-guest-0000000000a', 2), 0);
        for (const { message } of sent) {
          assert.equal((await store.getMessage(message.id))?.authorName, 'former-guest-0000000000a');
        }
        assert.equal((await store.getMessage(theirs.message.id))?.authorName, friend.username);

        assert.equal(await store.retireGuest(guest.id, 'former-guest-0000000000a', now()), true);
        assert.equal(await store.retireGuest(guest.id, 'former-guest-0000000000b', now()), false);
        assert.equal(await store.retireGuest(friend.id, 'former-guest-0000000000c', now()), false);
        assert.equal((await store.getUser(guest.id))?.username, 'former-guest-0000000000a');
        assert.equal((await store.getUserByUsername('former-guest-0000000000a'))?.id, guest.id);
        assert.equal(await store.getUserByUsername(guest.username), undefined);
        // Retired guests are never listed again, whatever activity is recorded.
        const seen = now();
        await store.recordGuestActivity(guest.id, seen, seen);
        assert.ok(!(await store.listIdleGuests(clock + 10 ** 13, 1000)).some((user) => user.id === guest.id));
        // The guest name is free again.
        await store.createUser({ id: randomUUID(), username: guest.username, guest: true, createdAt: now() });
      });
    });

    describe('sessions', () => {
      it('records, finds and forgets sessions, one or all of a user’s', async () => {
        const [user, other] = [await newUser(), await newUser()];
        const session = (id: string, userId: string) => ({ id, userId, createdAt: now(), expiresAt: clock + 60_000 });
        const [a, b, c] = [
          session(randomUUID(), user.id),
          session(randomUUID(), user.id),
          session(randomUUID(), other.id),
        ];
        for (const s of [a, b, c]) await store.createSession(s);
        assert.deepEqual(await store.getSession(a.id), a);
        assert.equal(await store.getSession(randomUUID()), undefined);
        await store.deleteSession(a.id);
        await store.deleteSession(a.id);
        assert.equal(await store.getSession(a.id), undefined);
        assert.deepEqual(await store.getSession(b.id), b);
        await store.createSession(a);
        await store.deleteUserSessions(user.id);
        assert.equal(await store.getSession(a.id), undefined);
        assert.equal(await store.getSession(b.id), undefined);
        assert.deepEqual(await store.getSession(c.id), c);
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
        assert.equal(room.topic, null);
        assert.deepEqual(await store.getRoom(room.id), room);
        assert.deepEqual(await store.getRoomByName(room.name!), room);
        const listed = (await store.listPublicRooms(user.id, ALL)).find((entry) => entry.room.id === room.id);
        assert.deepEqual(listed, { room, memberCount: 0, joined: false });
      });

      it('sets and clears a topic with topicChanged events that keep the topic each set', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const first = await store.setRoomTopic(room.id, 'Release planning', alice.id, now());
        assert.deepEqual(first && { type: first.type, seq: first.seq }, {
          type: 'topicChanged',
          seq: room.lastSeq + 3,
        });
        assert.equal(await store.setRoomTopic(room.id, 'Release planning', alice.id, now()), null);
        const second = await store.setRoomTopic(room.id, 'Ship on Tuesday', alice.id, now());
        const cleared = await store.setRoomTopic(room.id, null, alice.id, now());
        assert.equal(await store.setRoomTopic(room.id, null, alice.id, now()), null);
        assert.equal((await store.getRoom(room.id))?.topic, null);
        await store.setRoomTopic(room.id, 'Back', alice.id, now());
        const stored = await store.getRoom(room.id);
        assert.deepEqual([stored?.topic, stored?.lastSeq], ['Back', room.lastSeq + 6]);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.room.topic, 'Back');
        assert.equal(
          (await store.listPublicRooms(bob.id, ALL)).find((entry) => entry.room.id === room.id)?.room.topic,
          'Back',
        );
        const events = await store.listEvents(room.id, first!.seq - 1, 10);
        assert.deepEqual(
          events.map((event) => (event.type === 'topicChanged' ? [event.seq, event.topic, event.user.id] : [])),
          [
            [first!.seq, 'Release planning', alice.id],
            [second!.seq, 'Ship on Tuesday', alice.id],
            [cleared!.seq, null, alice.id],
            [room.lastSeq + 6, 'Back', alice.id],
          ],
        );
        assert.deepEqual(events[0], first);
      });

      it('gives a direct conversation or an unknown room no topic: ROOM_NOT_FOUND', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const { room } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        await assertChatError(store.setRoomTopic(room.id, 'secret', alice.id, now()), 'ROOM_NOT_FOUND');
        await assertChatError(store.setRoomTopic(randomUUID(), 'nowhere', alice.id, now()), 'ROOM_NOT_FOUND');
        assert.equal((await store.getRoom(room.id))?.lastSeq, room.lastSeq);
      });

      it('renames a room with a roomRenamed event: found and listed by the new name, the old one free', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const oldName = room.name!;
        const name = uniqueName('renamed');
        const renamed = await store.renameRoom(room.id, name, alice.id, now());
        assert.ok(renamed?.type === 'roomRenamed');
        assert.deepEqual([renamed.seq, renamed.name, renamed.user.id], [room.lastSeq + 3, name, alice.id]);
        assert.equal(await store.renameRoom(room.id, name, alice.id, now()), null);
        const stored = await store.getRoom(room.id);
        assert.deepEqual([stored?.name, stored?.lastSeq], [name, room.lastSeq + 3]);
        assert.equal((await store.getRoomByName(name))?.id, room.id);
        assert.equal(await store.getRoomByName(oldName), undefined);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.room.name, name);
        const listed = await store.listPublicRooms(bob.id, ALL);
        assert.equal(listed.find((entry) => entry.room.id === room.id)?.room.name, name);
        assert.deepEqual((await store.listEvents(room.id, renamed.seq - 1, 10))[0], renamed);
        // The old name is free for another room at once.
        const other = await store.createRoom({ id: randomUUID(), name: oldName, createdBy: null, createdAt: now() });
        assert.equal((await store.getRoomByName(oldName))?.id, other.id);
      });

      it('refuses a name another room has (in any case), a direct conversation and an unknown room, changing nothing', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const [room, other] = [await roomWith(alice), await newRoom(alice)];
        const before = await store.getRoom(room.id);
        await assertChatError(store.renameRoom(room.id, other.name!, alice.id, now()), 'ROOM_NAME_TAKEN');
        await assertChatError(store.renameRoom(room.id, other.name!.toUpperCase(), alice.id, now()), 'ROOM_NAME_TAKEN');
        assert.deepEqual(await store.getRoom(room.id), before);
        assert.equal((await store.getRoomByName(other.name!))?.id, other.id);
        const { room: direct } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        await assertChatError(store.renameRoom(direct.id, uniqueName('dm'), alice.id, now()), 'ROOM_NOT_FOUND');
        await assertChatError(store.renameRoom(randomUUID(), uniqueName('x'), alice.id, now()), 'ROOM_NOT_FOUND');
      });

      it('of two rooms renamed to one name at once, exactly one gets it', async () => {
        const alice = await newUser();
        const rooms = [await roomWith(alice), await roomWith(alice), await roomWith(alice)];
        const name = uniqueName('contested');
        const outcomes = await Promise.allSettled(
          rooms.map((room) => store.renameRoom(room.id, name, alice.id, now())),
        );
        assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1, JSON.stringify(outcomes));
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected')
            assert.equal((outcome.reason as { code?: string }).code, 'ROOM_NAME_TAKEN');
        }
        const holder = await store.getRoomByName(name);
        assert.equal(rooms.filter((room) => room.id === holder?.id).length, 1);
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
        assert.deepEqual(membership, { roomId: room.id, userId: bob.id, joinedAt: at, lastReadSeq: 3, role: 'member' });
        assert.deepEqual(await store.getMembership(room.id, bob.id), membership);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 0);
        const listed = (await store.listPublicRooms(bob.id, ALL)).find((entry) => entry.room.id === room.id);
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

      it('reads a room, a user and the membership together, each as its own read does, each missing alone', async () => {
        const [alice, bob] = [await newUser(), await newUser({ guest: true })];
        const room = await roomWith(alice);
        await send(room, alice, 'so lastSeq moves');
        const separately = async (roomId: string, userId: string) => ({
          room: await store.getRoom(roomId),
          membership: await store.getMembership(roomId, userId),
          user: await store.getUser(userId),
        });
        for (const [roomId, userId] of [
          [room.id, alice.id],
          [room.id, bob.id],
          [room.id, 'no-such-user'],
          ['no-such-room', alice.id],
          ['no-such-room', 'no-such-user'],
        ] as const) {
          assert.deepEqual(await store.getMemberContext(roomId, userId), await separately(roomId, userId));
        }
        const member = await store.getMemberContext(room.id, alice.id);
        assert.equal(member.room?.lastSeq, 2);
        assert.equal(member.membership?.userId, alice.id);
        assert.equal(member.user?.username, alice.username);
        const outsider = await store.getMemberContext(room.id, bob.id);
        assert.deepEqual([outsider.room?.id, outsider.membership, outsider.user?.guest], [room.id, undefined, true]);
      });

      it('removes a member with a memberLeft event', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const { event } = await store.removeMember(room.id, bob.id, now());
        assert.equal(event?.type, 'memberLeft');
        assert.equal(event?.seq, 3);
        assert.equal(await store.getMembership(room.id, bob.id), undefined);
        assert.deepEqual(
          (await store.listMembers(room.id, ALL)).map((member) => member.user.id),
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
        const members = await store.listMembers(one.id, ALL);
        assert.deepEqual(members.map((member) => member.user.id).sort(), [alice.id, bob.id].sort());
        assert.deepEqual(
          (await store.listUserRooms(alice.id, ALL)).map(({ room }) => room.id).sort(),
          [one.id, two.id].sort(),
        );
        assert.deepEqual(
          (await store.listUserRooms(bob.id, ALL)).map(({ room }) => room.id),
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
          (await store.listMembers(id, ALL)).map((member) => member.user.id).sort(),
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
        assert.ok(!(await store.listPublicRooms(alice.id, ALL)).some((entry) => entry.room.id === room.id));
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

    describe('group conversations', () => {
      const openGroup = (users: readonly User[]) =>
        store.openDirect({
          id: groupRoomId(users.map((user) => user.id)),
          userIds: users.map((user) => user.id),
          createdAt: now(),
        });

      it('opens once for a set of people, in any order, with exactly them as members', async () => {
        const [alice, bob, carol, dave] = [await newUser(), await newUser(), await newUser(), await newUser()];
        const first = await openGroup([alice, bob, carol]);
        assert.equal(first.created, true);
        assert.equal(first.room.kind, 'direct');
        assert.equal(first.room.name, null);
        const again = await openGroup([carol, alice, bob]);
        assert.deepEqual(again, { room: first.room, created: false });
        assert.deepEqual(
          (await store.listMembers(first.room.id, ALL)).map((member) => member.user.id).sort(),
          [alice.id, bob.id, carol.id].sort(),
        );
        assert.equal(await store.getMembership(first.room.id, dave.id), undefined);
        // Another set of people is another conversation.
        const other = await openGroup([alice, bob, carol, dave]);
        assert.equal(other.created, true);
        assert.notEqual(other.room.id, first.room.id);
      });

      it('gives no member a peer, lists it among each member’s rooms and keeps it out of the directory', async () => {
        const users = [await newUser(), await newUser(), await newUser({ guest: true })];
        const { room } = await openGroup(users);
        for (const user of users) {
          const view = await store.getUserRoom(user.id, room.id);
          assert.equal(view?.peer, null);
          assert.equal(view?.unread, 0);
          assert.ok((await store.listUserRooms(user.id, ALL)).some((entry) => entry.room.id === room.id));
          assert.deepEqual(
            (await store.listUserRoomSizes(user.id, 10)).find((entry) => entry.roomId === room.id),
            { roomId: room.id, members: 3 },
          );
          assert.ok(!(await store.listPublicRooms(user.id, ALL)).some((entry) => entry.room.id === room.id));
        }
      });

      it('takes the largest group, and reaches only its members’ connections', async () => {
        const users: User[] = [];
        for (let i = 0; i < ChatLimits.groupMaxMembers; i++) users.push(await newUser());
        const outsider = await newUser();
        const { room } = await openGroup(users);
        assert.equal((await store.listMembers(room.id, ALL)).length, ChatLimits.groupMaxMembers);
        const ids = new Map<string, string>();
        for (const user of [...users.slice(0, 2), outsider]) {
          const connectionId = randomUUID();
          ids.set(user.id, connectionId);
          await store.addConnection({ connectionId, userId: user.id, connectedAt: now() });
        }
        assert.deepEqual(
          (await store.listRoomConnections(room.id)).map((connection) => connection.connectionId).sort(),
          [ids.get(users[0]!.id), ids.get(users[1]!.id)].sort(),
        );
      });

      it('sequences its messages and counts them unread for the others', async () => {
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const { room } = await openGroup([alice, bob, carol]);
        const { message } = await send(room, alice, 'hello both');
        assert.equal(message.seq, 1);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 1);
        assert.equal((await store.getUserRoom(carol.id, room.id))?.unread, 1);
        assert.equal((await store.getUserRoom(alice.id, room.id))?.unread, 0);
        assert.deepEqual(
          (await store.listEvents(room.id, 0, 10)).map((event) => event.seq),
          [1],
        );
      });
    });

    describe('finding users', () => {
      it('lists users whose username starts with a prefix, by username, a page at a time', async () => {
        const prefix = uniqueName('f').slice(0, 12);
        const names = ['b', 'a', 'c.d', 'c_e', 'c-f'].map((suffix) => `${prefix}${suffix}`);
        for (const username of names) {
          await store.createUser({ id: randomUUID(), username, guest: false, createdAt: now() });
        }
        // Names just around the prefix that lack it are never found.
        for (const username of [prefix.slice(0, -1), `${prefix.slice(0, -1)}~`]) {
          await store.createUser({ id: randomUUID(), username, guest: false, createdAt: now() });
        }
        const sorted = [...names].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
        assert.deepEqual(
          (await store.findUsers(prefix, ALL)).map((user) => user.username),
          sorted,
        );
        const seen: string[] = [];
        let after: string | undefined;
        for (let round = 0; round < 10; round++) {
          const page = await store.findUsers(prefix, { ...(after !== undefined && { after }), limit: 2 });
          seen.push(...page.map((user) => user.username));
          if (page.length < 2) break;
          after = page.at(-1)!.username;
        }
        assert.deepEqual(seen, sorted);
        assert.deepEqual(
          (await store.findUsers(`${prefix}c`, ALL)).map((user) => user.username),
          sorted.filter((name) => name.startsWith(`${prefix}c`)),
        );
        assert.deepEqual(await store.findUsers(`${prefix}z`, ALL), []);
        // A page after a name past the prefix (a cursor of another query) is empty.
        assert.deepEqual(await store.findUsers(`${prefix}a`, { after: `${prefix}zzz`, limit: 10 }), []);
        assert.deepEqual(
          (await store.findUsers(`${prefix}c`, { after: prefix, limit: 10 })).map((user) => user.username),
          sorted.filter((name) => name.startsWith(`${prefix}c`)),
        );
        const [found] = await store.findUsers(`${prefix}a`, ALL);
        assert.deepEqual(found, await store.getUserByUsername(`${prefix}a`));
      });

      it('finds guests but not retired ones', async () => {
        const guest = await newUser({ guest: true });
        assert.deepEqual(await store.findUsers(guest.username, ALL), [guest]);
        assert.equal(await store.retireGuest(guest.id, uniqueName('former'), now()), true);
        assert.deepEqual(await store.findUsers(guest.username, ALL), []);
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
          reactions: [],
          pinnedAt: null,
          pinnedBy: null,
          threadRootId: null,
          alsoToRoom: false,
          thread: null,
          removedByModerator: false,
          attachments: [],
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

      it('finds a message by its author, room and client message id, and nothing for any other', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const sent = await send(room, alice, 'find me', 'find-1');
        assert.deepEqual(await store.getMessageByClientId(room.id, alice.id, 'find-1'), sent.message);
        assert.equal(await store.getMessageByClientId(room.id, alice.id, 'find-2'), undefined);
        assert.equal(await store.getMessageByClientId(room.id, bob.id, 'find-1'), undefined);
        assert.equal(await store.getMessageByClientId((await roomWith(alice)).id, alice.id, 'find-1'), undefined);
      });

      it('answers appends sent together each on its own: repeats among them and of stored messages, an unknown room', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const stored = await send(room, alice, 'stored', 'k0');
        // Issued in one event-loop turn, as a busy room's sends arrive: stores that commit a turn together see them at once.
        const [first, second, fromBob, storedAgain, lost, withoutId, alsoWithoutId] = await Promise.allSettled([
          send(room, alice, 'one', 'k1'),
          send(room, alice, 'one, retried', 'k1'),
          send(room, bob, 'mine', 'k1'),
          send(room, alice, 'stored, retried', 'k0'),
          send({ id: randomUUID() } as Room, alice, 'lost', 'k2'),
          send(room, alice, 'no id'),
          send(room, alice, 'no id'),
        ]);
        const value = (outcome: PromiseSettledResult<AppendResult> | undefined): AppendResult => {
          assert.equal(outcome?.status, 'fulfilled');
          return (outcome as PromiseFulfilledResult<AppendResult>).value;
        };
        const pair = [value(first), value(second)];
        assert.deepEqual(pair.map((result) => result.created).sort(), [false, true]);
        assert.deepEqual(pair[0]?.message, pair[1]?.message);
        assert.equal(value(fromBob).created, true);
        assert.equal(value(storedAgain).created, false);
        assert.deepEqual(value(storedAgain).message, stored.message);
        assert.equal(lost.status, 'rejected');
        assert.equal(((lost as PromiseRejectedResult).reason as ChatError).code, 'ROOM_NOT_FOUND');
        assert.equal(value(withoutId).created && value(alsoWithoutId).created, true);
        const created = [pair.find((result) => result.created), value(fromBob), value(withoutId), value(alsoWithoutId)];
        assert.deepEqual(
          created.map((result) => result?.message.seq).sort((a, b) => (a ?? 0) - (b ?? 0)),
          [1, 2, 3, 4].map((n) => stored.message.seq + n),
        );
        assert.equal((await store.getRoom(room.id))?.lastSeq, stored.message.seq + 4);
        const events = await store.listEvents(room.id, stored.message.seq, 10);
        assert.deepEqual(
          events.map((event) => event.seq),
          [1, 2, 3, 4].map((n) => stored.message.seq + n),
        );
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

    describe('attachments', () => {
      const attachments = [
        { id: randomUUID(), name: 'plan.png', size: 2048, type: 'image/png', width: 640, height: 480 },
        { id: randomUUID(), name: 'notes.txt', size: 12, type: 'text/plain' },
      ];

      it('keeps the attachments of a message in order, in history and in its event', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const id = randomUUID();
        const result = await store.appendMessage({
          id,
          roomId: room.id,
          authorId: alice.id,
          authorName: alice.username,
          text: '',
          clientMessageId: 'with-files',
          at: now(),
          attachments,
        });
        assert.deepEqual(result.message.attachments, attachments);
        assert.deepEqual((await store.getMessage(id))?.attachments, attachments);
        const page = await store.listMessages(room.id, { limit: 10 });
        assert.deepEqual(page.messages.at(-1)?.attachments, attachments);
        const [event] = await store.listEvents(room.id, result.message.seq - 1, 1);
        assert.deepEqual(event?.type === 'message' && event.message.attachments, attachments);
      });

      it('forgets the attachments of a deleted message', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await store.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: alice.id,
          authorName: alice.username,
          text: 'see attached',
          clientMessageId: null,
          at: now(),
          attachments,
        });
        const deleted = await store.deleteMessage(message.id, now());
        assert.deepEqual(deleted?.message.attachments, []);
        assert.deepEqual((await store.getMessage(message.id))?.attachments, []);
        const events = await store.listEvents(room.id, message.seq - 1, 2);
        assert.deepEqual(
          events.map((event) => 'message' in event && event.message.attachments),
          [[], []],
        );
      });
    });

    describe('reactions', () => {
      const as = (user: User) => ({ id: user.id, username: user.username });

      it('adds and removes reactions with messageReacted events, each repeat a no-op', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const { message } = await send(room, alice, 'ship it');
        const first = await store.reactToMessage(message.id, { emoji: '👍', user: as(bob), add: true }, now());
        assert.deepEqual(first?.message.reactions, [{ emoji: '👍', users: [as(bob)] }]);
        assert.deepEqual(first?.event && { type: first.event.type, seq: first.event.seq }, {
          type: 'messageReacted',
          seq: message.seq + 1,
        });
        assert.deepEqual(first?.event?.message, first?.message);
        const repeat = await store.reactToMessage(message.id, { emoji: '👍', user: as(bob), add: true }, now());
        assert.deepEqual(repeat, { message: first?.message, event: null });
        await store.reactToMessage(message.id, { emoji: '🎉', user: as(alice), add: true }, now());
        const third = await store.reactToMessage(message.id, { emoji: '👍', user: as(alice), add: true }, now());
        const both = [
          { emoji: '👍', users: [as(bob), as(alice)] },
          { emoji: '🎉', users: [as(alice)] },
        ];
        assert.deepEqual(third?.message.reactions, both);
        assert.equal(third?.event?.seq, message.seq + 3);
        // Every read shows the reactions: by id, history, and the events catch-up replays.
        assert.deepEqual((await store.getMessage(message.id))?.reactions, both);
        assert.deepEqual((await store.listMessages(room.id, { limit: 10 })).messages.at(-1)?.reactions, both);
        const events = await store.listEvents(room.id, message.seq, 10);
        assert.deepEqual(
          events.map((event) => event.type),
          ['messageReacted', 'messageReacted', 'messageReacted'],
        );

        const removed = await store.reactToMessage(message.id, { emoji: '🎉', user: as(alice), add: false }, now());
        assert.deepEqual(removed?.message.reactions, [{ emoji: '👍', users: [as(bob), as(alice)] }]);
        const absent = await store.reactToMessage(message.id, { emoji: '🎉', user: as(alice), add: false }, now());
        assert.equal(absent?.event, null);
        await store.reactToMessage(message.id, { emoji: '👍', user: as(bob), add: false }, now());
        assert.deepEqual((await store.getMessage(message.id))?.reactions, [{ emoji: '👍', users: [as(alice)] }]);
        assert.equal((await store.getRoom(room.id))?.lastSeq, message.seq + 5);
      });

      it('counts every one of concurrent reactions, on consecutive sequence numbers', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await send(room, alice, 'vote');
        const reactors = Array.from({ length: 8 }, (_, i) => ({ id: randomUUID(), username: `voter${i}` }));
        const results = await Promise.all(
          reactors.map((user) => store.reactToMessage(message.id, { emoji: '👍', user, add: true }, now())),
        );
        assert.deepEqual(
          results.map((result) => result?.event?.seq).sort((a, b) => a! - b!),
          reactors.map((_, i) => message.seq + 1 + i),
        );
        const stored = await store.getMessage(message.id);
        assert.deepEqual(
          stored?.reactions[0]?.users.map((user) => user.id).sort(),
          reactors.map((user) => user.id).sort(),
        );
      });

      it('refuses an emoji or a reaction past the per-message limits with TOO_MANY_REACTIONS, writing nothing', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await send(room, alice, 'popular');
        const emoji = [...'😀😁😂😃😄😅😆😇😈😉😊😋😌😍😎😏😐😑😒😓'];
        assert.equal(emoji.length, ChatLimits.reactionEmojiMaxPerMessage);
        for (const each of emoji)
          await store.reactToMessage(message.id, { emoji: each, user: as(alice), add: true }, now());
        const full = (await store.getRoom(room.id))!.lastSeq;
        await assertChatError(
          store.reactToMessage(message.id, { emoji: '🙈', user: as(alice), add: true }, now()),
          'TOO_MANY_REACTIONS',
        );
        // An emoji already there still takes more people.
        const more = Array.from({ length: ChatLimits.reactionsMaxPerMessage - emoji.length }, (_, i) => ({
          id: randomUUID(),
          username: `fan${i}`,
        }));
        for (const user of more) await store.reactToMessage(message.id, { emoji: '😀', user, add: true }, now());
        await assertChatError(
          store.reactToMessage(
            message.id,
            { emoji: '😀', user: { id: randomUUID(), username: 'late' }, add: true },
            now(),
          ),
          'TOO_MANY_REACTIONS',
        );
        assert.equal((await store.getRoom(room.id))?.lastSeq, full + more.length);
        const stored = await store.getMessage(message.id);
        assert.equal(
          stored?.reactions.reduce((sum, reaction) => sum + reaction.users.length, 0),
          ChatLimits.reactionsMaxPerMessage,
        );
      });

      it('keeps no reactions on a deleted message and takes none on it, nor on a missing one', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const { message } = await send(room, alice, 'gone soon');
        await store.reactToMessage(message.id, { emoji: '👀', user: as(alice), add: true }, now());
        const deleted = await store.deleteMessage(message.id, now());
        assert.deepEqual(deleted?.message.reactions, []);
        assert.deepEqual((await store.getMessage(message.id))?.reactions, []);
        assert.equal(
          await store.reactToMessage(message.id, { emoji: '👀', user: as(alice), add: true }, now()),
          undefined,
        );
        assert.equal(
          await store.reactToMessage(message.id, { emoji: '👀', user: as(alice), add: false }, now()),
          undefined,
        );
        assert.equal(
          await store.reactToMessage(randomUUID(), { emoji: '👀', user: as(alice), add: true }, now()),
          undefined,
        );
        assert.equal((await store.getRoom(room.id))?.lastSeq, message.seq + 2);
      });
    });

    describe('pins', () => {
      const as = (user: User) => ({ id: user.id, username: user.username });

      it('pins and unpins with events, each repeat a no-op, and lists pins newest last', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const first = (await send(room, alice, 'first')).message;
        const second = (await send(room, alice, 'second')).message;
        const at = now();
        const pinned = await store.pinMessage(first.id, as(bob), at);
        assert.deepEqual(pinned?.message, { ...first, pinnedAt: at, pinnedBy: as(bob) });
        assert.deepEqual(pinned?.event && [pinned.event.type, pinned.event.seq], ['messagePinned', second.seq + 1]);
        assert.deepEqual(await store.pinMessage(first.id, as(alice), now()), { message: pinned?.message, event: null });
        await store.pinMessage(second.id, as(alice), now());
        const page = await store.listPinnedMessages(room.id, { limit: 10 });
        assert.deepEqual(
          page.messages.map((message) => message.id),
          [first.id, second.id],
        );
        assert.equal(page.hasMore, false);
        const older = await store.listPinnedMessages(room.id, { beforeSeq: second.seq, limit: 10 });
        assert.deepEqual(
          older.messages.map((message) => message.id),
          [first.id],
        );
        const newest = await store.listPinnedMessages(room.id, { limit: 1 });
        assert.deepEqual([newest.messages.map((message) => message.id), newest.hasMore], [[second.id], true]);

        const unpinned = await store.pinMessage(first.id, null, now());
        assert.deepEqual([unpinned?.event?.type, unpinned?.message.pinnedAt], ['messageUnpinned', null]);
        assert.equal((await store.pinMessage(first.id, null, now()))?.event, null);
        const events = await store.listEvents(room.id, second.seq, 10);
        assert.deepEqual(
          events.map((event) => event.type),
          ['messagePinned', 'messagePinned', 'messageUnpinned'],
        );
        // Deleting a pinned message unpins it.
        await store.deleteMessage(second.id, now());
        assert.deepEqual((await store.listPinnedMessages(room.id, { limit: 10 })).messages, []);
        assert.equal(await store.pinMessage(second.id, as(alice), now()), undefined);
        assert.equal(await store.pinMessage(randomUUID(), as(alice), now()), undefined);
      });

      it('refuses a pin past the per-room limit with TOO_MANY_PINS, writing nothing', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        await appendMessages(store, room, alice, ChatLimits.pinsMaxPerRoom + 1);
        const { messages } = await store.listMessages(room.id, { limit: ChatLimits.pinsMaxPerRoom + 1 });
        for (const message of messages.slice(1)) await store.pinMessage(message.id, as(alice), now());
        const full = (await store.getRoom(room.id))!.lastSeq;
        await assertChatError(store.pinMessage(messages[0]!.id, as(alice), now()), 'TOO_MANY_PINS');
        assert.equal((await store.getRoom(room.id))?.lastSeq, full);
        await store.pinMessage(messages[1]!.id, null, now());
        assert.equal((await store.pinMessage(messages[0]!.id, as(alice), now()))?.event?.type, 'messagePinned');
      });
    });

    describe('threads', () => {
      const reply = (
        room: Room,
        root: { id: string },
        author: User,
        text: string,
        options: { clientMessageId?: string | null; alsoToRoom?: boolean; mentions?: MessageMentions } = {},
      ) =>
        store.appendReply({
          id: randomUUID(),
          roomId: room.id,
          rootId: root.id,
          alsoToRoom: options.alsoToRoom ?? false,
          authorId: author.id,
          authorName: author.username,
          text,
          clientMessageId: options.clientMessageId ?? null,
          at: now(),
          authorGuest: author.guest,
          ...(options.mentions && { mentions: options.mentions }),
        });

      it('appends a reply and the root’s threadUpdated event on two consecutive numbers, in one write', async () => {
        const [alice, bob] = [await newUser(), await newUser({ guest: true })];
        const room = await roomWith(alice, bob);
        const root = (await send(room, alice, 'the root')).message;
        assert.deepEqual([root.threadRootId, root.alsoToRoom, root.thread], [null, false, null]);
        const first = await reply(room, root, bob, 'first reply');
        assert.equal(first.created, true);
        assert.deepEqual(
          [first.message.threadRootId, first.message.alsoToRoom, first.message.seq, first.message.thread],
          [root.id, false, root.seq + 1, null],
        );
        assert.deepEqual(first.root.thread, {
          replyCount: 1,
          lastReplyAt: first.message.createdAt,
          lastReplySeq: first.message.seq,
        });
        assert.deepEqual(
          first.events.map((event) => [event.type, event.seq, event.message.id]),
          [
            ['message', root.seq + 1, first.message.id],
            ['threadUpdated', root.seq + 2, root.id],
          ],
        );
        const second = await reply(room, root, alice, 'second reply', { alsoToRoom: true });
        assert.equal(second.message.alsoToRoom, true);
        assert.deepEqual(second.root.thread, {
          replyCount: 2,
          lastReplyAt: second.message.createdAt,
          lastReplySeq: second.message.seq,
        });
        assert.deepEqual(await store.getMessage(root.id), second.root);
        assert.deepEqual(await store.getMessage(first.message.id), first.message);
        assert.equal((await store.getRoom(room.id))?.lastSeq, root.seq + 4);
        // Catch-up restores both, each event with the message's current state.
        const events = await store.listEvents(room.id, root.seq, 10);
        assert.deepEqual(
          events.map((event) => [event.type, 'message' in event ? event.message.id : null]),
          [
            ['message', first.message.id],
            ['threadUpdated', root.id],
            ['message', second.message.id],
            ['threadUpdated', root.id],
          ],
        );
        assert.deepEqual(events[1]?.type === 'threadUpdated' && events[1].message, second.root);
      });

      it('keeps thread-only replies out of the room’s history and unread count, not those also sent to the room', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const root = (await send(room, alice, 'root')).message;
        await reply(room, root, alice, 'only in the thread');
        const shown = (await reply(room, root, alice, 'also in the room', { alsoToRoom: true })).message;
        const history = await store.listMessages(room.id, { limit: 10 });
        assert.deepEqual(
          history.messages.map((message) => message.id),
          [root.id, shown.id],
        );
        const older = await store.listMessages(room.id, { beforeSeq: shown.seq, limit: 1 });
        assert.deepEqual([older.messages.map((message) => message.id), older.hasMore], [[root.id], false]);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 2);
        const read = await store.markRead(room.id, bob.id, root.seq);
        assert.equal(read?.unread, 1);
      });

      it('stores a reply’s mentions, counting them as unread mentions only when the reply is also in the room', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const root = (await send(room, alice, 'root')).message;
        const named = { users: [{ id: bob.id, username: bob.username }], room: false };
        const everyone = { users: [], room: true };
        const inThread = await reply(room, root, alice, `@${bob.username} look`, { mentions: named });
        await reply(room, root, alice, '@room look', { mentions: everyone });
        assert.deepEqual(inThread.message.mentions, named);
        assert.deepEqual(inThread.events[0]?.type === 'message' && inThread.events[0].message.mentions, named);
        assert.deepEqual((await store.getMessage(inThread.message.id))?.mentions, named);
        assert.deepEqual((await store.listReplies(root, { limit: 10 })).messages[0]?.mentions, named);
        assert.deepEqual(await store.countMentions(bob.id, [{ roomId: room.id, afterSeq: 0 }]), [0]);
        const shown = await reply(room, root, alice, `@${bob.username} and @room`, {
          alsoToRoom: true,
          mentions: { ...named, room: true },
        });
        assert.deepEqual((await store.listMessages(room.id, { limit: 10 })).messages.at(-1)?.mentions, {
          ...named,
          room: true,
        });
        assert.deepEqual(await store.countMentions(bob.id, [{ roomId: room.id, afterSeq: 0 }]), [1]);
        await store.deleteMessage(shown.message.id, now());
        assert.deepEqual(await store.countMentions(bob.id, [{ roomId: room.id, afterSeq: 0 }]), [0]);
      });

      it('pages a thread’s replies backwards, each page oldest first, tombstones included', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const root = (await send(room, alice, 'root')).message;
        const other = (await send(room, alice, 'another root')).message;
        const replies = [];
        for (let i = 0; i < 5; i++) replies.push((await reply(room, root, alice, `reply ${i}`)).message);
        await reply(room, other, alice, 'elsewhere');
        await store.deleteMessage(replies[1]!.id, now());
        const newest = await store.listReplies(root, { limit: 3 });
        assert.deepEqual(
          [newest.messages.map((message) => message.text), newest.hasMore],
          [['reply 2', 'reply 3', 'reply 4'], true],
        );
        const older = await store.listReplies(root, { beforeSeq: replies[2]!.seq, limit: 3 });
        assert.deepEqual(
          [older.messages.map((message) => [message.text, message.deletedAt !== null]), older.hasMore],
          [
            [
              ['reply 0', false],
              ['', true],
            ],
            false,
          ],
        );
        assert.deepEqual(await store.listReplies(other, { beforeSeq: 1, limit: 3 }), { messages: [], hasMore: false });
      });

      it('returns the first reply for a repeated client message id and writes nothing', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const root = (await send(room, alice, 'root')).message;
        const first = await reply(room, root, alice, 'once', { clientMessageId: 'c-1' });
        const head = (await store.getRoom(room.id))?.lastSeq;
        const again = await reply(room, root, alice, 'twice', { clientMessageId: 'c-1' });
        assert.deepEqual(again, { message: first.message, root: first.root, events: [], created: false });
        assert.equal((await store.getRoom(room.id))?.lastSeq, head);
        // The id is shared with sends: a send with it returns the reply.
        assert.equal((await send(room, alice, 'sent', 'c-1')).message.id, first.message.id);
      });

      it('refuses a missing root, one in another room, a reply as root and a deleted root, writing nothing', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const elsewhere = await roomWith(alice);
        const root = (await send(room, alice, 'root')).message;
        const { message: child } = await reply(room, root, alice, 'child', { clientMessageId: 'kept' });
        await assertChatError(reply(room, { id: randomUUID() }, alice, 'x'), 'MESSAGE_NOT_FOUND');
        await assertChatError(reply(elsewhere, root, alice, 'x'), 'MESSAGE_NOT_FOUND');
        await assertChatError(reply(room, child, alice, 'x'), 'NOT_A_THREAD_ROOT');
        await store.deleteMessage(root.id, now());
        const head = (await store.getRoom(room.id))?.lastSeq;
        await assertChatError(reply(room, root, alice, 'x'), 'MESSAGE_DELETED');
        assert.equal((await store.getRoom(room.id))?.lastSeq, head);
        // A retry of a reply stored before the root was deleted still finds it; the tombstone keeps its summary.
        const retry = await reply(room, root, alice, 'child', { clientMessageId: 'kept' });
        assert.deepEqual([retry.created, retry.message.id, retry.root.thread?.replyCount], [false, child.id, 1]);
      });

      it('gives concurrent replies distinct, consecutive numbers and counts every one', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const root = (await send(room, alice, 'root')).message;
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) => reply(room, root, i % 2 ? alice : bob, `r${i}`)),
        );
        const seqs = results.flatMap((result) => result.events.map((event) => event.seq)).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: 12 }, (_, i) => root.seq + 1 + i),
        );
        assert.equal((await store.getMessage(root.id))?.thread?.replyCount, 6);
      });

      it('keeps each user’s read position per thread, forward only, and lists a room’s followed threads newest first', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const elsewhere = await roomWith(alice, bob);
        const older = (await send(room, alice, 'older root')).message;
        const newer = (await send(room, alice, 'newer root')).message;
        const other = (await send(elsewhere, alice, 'other room')).message;
        const { root: counted, message: latest } = await reply(room, newer, alice, 'a reply');
        assert.equal(await store.getThreadRead(bob.id, newer), undefined);
        assert.equal(await store.markThreadRead(bob.id, newer, newer.seq), newer.seq);
        assert.equal(await store.markThreadRead(bob.id, newer, latest.seq), latest.seq);
        assert.equal(await store.markThreadRead(bob.id, newer, newer.seq), latest.seq);
        assert.equal(await store.getThreadRead(bob.id, newer), latest.seq);
        assert.equal(await store.getThreadRead(alice.id, newer), undefined);
        await store.markThreadRead(bob.id, older, older.seq);
        await store.markThreadRead(bob.id, other, other.seq);

        const all = await store.listThreadReads(bob.id, room.id, { limit: 10 });
        assert.deepEqual(all, [
          { root: counted, lastReadSeq: latest.seq },
          { root: older, lastReadSeq: older.seq },
        ]);
        const first = await store.listThreadReads(bob.id, room.id, { limit: 1 });
        assert.deepEqual(
          first.map((read) => read.root.id),
          [newer.id],
        );
        const next = await store.listThreadReads(bob.id, room.id, { beforeSeq: newer.seq, limit: 1 });
        assert.deepEqual(
          next.map((read) => read.root.id),
          [older.id],
        );
        assert.deepEqual(await store.listThreadReads(alice.id, room.id, { limit: 10 }), []);
      });
    });

    describe('roles and moderation', () => {
      it('keeps a member role with memberRoleChanged events, in memberships, views and member pages', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        assert.equal((await store.getMembership(room.id, bob.id))?.role, 'member');
        const made = await store.setMemberRole(room.id, bob.id, 'admin', now());
        assert.equal(made?.type, 'memberRoleChanged');
        assert.deepEqual(made && [made.seq, made.type === 'memberRoleChanged' && made.role], [
          room.lastSeq + 3,
          'admin',
        ]);
        assert.equal(await store.setMemberRole(room.id, bob.id, 'admin', now()), null);
        assert.equal((await store.getMembership(room.id, bob.id))?.role, 'admin');
        assert.equal((await store.getUserRoom(bob.id, room.id))?.membership.role, 'admin');
        assert.equal(
          (await store.listUserRooms(bob.id, ALL)).find((v) => v.room.id === room.id)?.membership.role,
          'admin',
        );
        const roles = (await store.listMembers(room.id, ALL)).map((member) => [member.user.id, member.role] as const);
        assert.deepEqual(
          new Map(roles),
          new Map([
            [alice.id, 'member'],
            [bob.id, 'admin'],
          ]),
        );
        const back = await store.setMemberRole(room.id, bob.id, 'member', now());
        const events = await store.listEvents(room.id, made!.seq - 1, 10);
        assert.deepEqual(events, [made, back]);
        assert.equal(back?.type === 'memberRoleChanged' && back.user.id, bob.id);
        assert.equal((await store.getMembership(room.id, bob.id))?.role, 'member');
      });

      it('forgets the role of a member who is removed: they join again as a member', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        await store.setMemberRole(room.id, bob.id, 'admin', now());
        await store.removeMember(room.id, bob.id, now());
        const { membership } = await store.addMember(room.id, bob.id, now());
        assert.equal(membership?.role, 'member');
        assert.equal((await store.getMembership(room.id, bob.id))?.role, 'member');
      });

      it('refuses a role for a non-member (MEMBER_NOT_FOUND) or in an unknown room (ROOM_NOT_FOUND)', async () => {
        const [alice, eve] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        await assertChatError(store.setMemberRole(room.id, eve.id, 'admin', now()), 'MEMBER_NOT_FOUND');
        await assertChatError(store.setMemberRole(randomUUID(), alice.id, 'admin', now()), 'ROOM_NOT_FOUND');
        assert.equal((await store.getRoom(room.id))?.lastSeq, room.lastSeq + 1);
      });

      it('makes a room read-only and open again with readOnlyChanged events naming who did it', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        assert.equal(room.readOnly, false);
        const closed = await store.setRoomReadOnly(room.id, true, bob.id, now());
        assert.equal(await store.setRoomReadOnly(room.id, true, bob.id, now()), null);
        assert.equal((await store.getRoom(room.id))?.readOnly, true);
        assert.equal((await store.getUserRoom(alice.id, room.id))?.room.readOnly, true);
        assert.equal(
          (await store.listPublicRooms(alice.id, ALL)).find((e) => e.room.id === room.id)?.room.readOnly,
          true,
        );
        const opened = await store.setRoomReadOnly(room.id, false, alice.id, now());
        assert.equal((await store.getRoom(room.id))?.readOnly, false);
        const events = await store.listEvents(room.id, closed!.seq - 1, 10);
        assert.deepEqual(events, [closed, opened]);
        assert.deepEqual(
          events.map((e) => (e.type === 'readOnlyChanged' ? [e.readOnly, e.user.id] : [])),
          [
            [true, bob.id],
            [false, alice.id],
          ],
        );
        const { room: direct } = await store.openDirect({
          id: directRoomId(alice.id, bob.id),
          userIds: [alice.id, bob.id],
          createdAt: now(),
        });
        assert.equal(direct.readOnly, false);
        await assertChatError(store.setRoomReadOnly(direct.id, true, alice.id, now()), 'ROOM_NOT_FOUND');
        await assertChatError(store.setRoomReadOnly(randomUUID(), true, alice.id, now()), 'ROOM_NOT_FOUND');
      });

      it('marks a message deleted by a moderator, in the event, the message, history and catch-up', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const { message } = await send(room, bob, 'spam');
        const { message: own } = await send(room, bob, 'mine');
        assert.equal(message.removedByModerator, false);
        const removed = await store.deleteMessage(message.id, now(), { byModerator: true });
        assert.deepEqual(
          removed && [removed.message.removedByModerator, removed.message.text, removed.message.deletedAt !== null],
          [true, '', true],
        );
        const deleted = await store.deleteMessage(own.id, now());
        assert.equal(deleted?.message.removedByModerator, false);
        assert.equal((await store.getMessage(message.id))?.removedByModerator, true);
        const { messages } = await store.listMessages(room.id, { limit: 10 });
        assert.deepEqual(
          messages.map((m) => [m.id, m.removedByModerator]),
          [
            [message.id, true],
            [own.id, false],
          ],
        );
        const events = await store.listEvents(room.id, removed!.seq - 1, 10);
        assert.deepEqual(events, [removed, deleted]);
      });
    });

    describe('bans', () => {
      it('keeps a ban per room and user until it is lifted, once', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const [room, other] = [await roomWith(alice, bob), await roomWith(alice, bob)];
        assert.equal(await store.isBannedFromRoom(room.id, bob.id), false);
        await store.banFromRoom(room.id, bob.id, now());
        await store.banFromRoom(room.id, bob.id, now());
        assert.equal(await store.isBannedFromRoom(room.id, bob.id), true);
        assert.equal(await store.isBannedFromRoom(room.id, alice.id), false);
        assert.equal(await store.isBannedFromRoom(other.id, bob.id), false);
        // A ban is not a membership: the member list and the member's rooms are as they were.
        assert.ok(await store.getMembership(room.id, bob.id));
        assert.equal(await store.liftRoomBan(room.id, bob.id), true);
        assert.equal(await store.liftRoomBan(room.id, bob.id), false);
        assert.equal(await store.isBannedFromRoom(room.id, bob.id), false);
        assert.equal(await store.liftRoomBan(other.id, alice.id), false);
      });

      it("lists a room's bans by user id, a page at a time, members or not", async () => {
        const [alice, ...banned] = [await newUser(), await newUser(), await newUser(), await newUser()];
        const room = await roomWith(alice, banned[0]!);
        const other = await roomWith(alice);
        const times = new Map<string, number>();
        for (const user of banned) {
          times.set(user.id, now());
          await store.banFromRoom(room.id, user.id, times.get(user.id)!);
        }
        await store.banFromRoom(other.id, alice.id, now());
        const expected = banned
          .map((user) => ({ user, bannedAt: times.get(user.id)! }))
          .sort((a, b) => (a.user.id < b.user.id ? -1 : 1));
        assert.deepEqual(await store.listRoomBans(room.id, { limit: 10 }), expected);
        const first = await store.listRoomBans(room.id, { limit: 2 });
        assert.deepEqual(first, expected.slice(0, 2));
        assert.deepEqual(await store.listRoomBans(room.id, { after: first[1]!.user.id, limit: 2 }), expected.slice(2));
        assert.deepEqual(await store.listRoomBans(room.id, { after: expected[2]!.user.id, limit: 2 }), []);
        await store.liftRoomBan(room.id, expected[1]!.user.id);
        assert.deepEqual(await store.listRoomBans(room.id, { limit: 10 }), [expected[0], expected[2]]);
      });
    });

    describe('upload claims', () => {
      const claimAll = (roomId: string, authorId: string, fileIds: string[], clientMessageId: string | null) =>
        store.claimUploads({ roomId, authorId, fileIds, clientMessageId, at: now() });
      const claim = async (roomId: string, authorId: string, fileId: string, clientMessageId: string | null) =>
        (await claimAll(roomId, authorId, [fileId], clientMessageId)) === undefined;

      it('gives an upload to the first send that claims it, again to a repeat of that send, to no other', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const fileId = randomUUID();
        assert.equal(await claim(room.id, alice.id, fileId, 'send-1'), true);
        assert.equal(await claim(room.id, alice.id, fileId, 'send-1'), true);
        assert.equal(await claim(room.id, alice.id, fileId, 'send-2'), false);
        assert.equal(await claim(room.id, alice.id, fileId, null), false);
        // Another uploader's file of the same id, or another room's, is another upload.
        assert.equal(await claim(room.id, bob.id, fileId, 'send-2'), true);
        assert.equal(await claim((await roomWith(alice)).id, alice.id, fileId, 'send-2'), true);
        // Without a client message id a send takes a free upload, and nothing repeats it.
        const other = randomUUID();
        assert.equal(await claim(room.id, alice.id, other, null), true);
        assert.equal(await claim(room.id, alice.id, other, null), false);
        assert.equal(await claim(room.id, alice.id, other, 'send-1'), false);
      });

      it('of claims made at once by different sends, exactly one wins', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const fileId = randomUUID();
        const won = await Promise.all(
          Array.from({ length: 8 }, (_, index) => claim(room.id, alice.id, fileId, `send-${index}`)),
        );
        assert.equal(won.filter(Boolean).length, 1);
      });

      it("takes all of a send's uploads or none, and names the one another send holds", async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const [held, free, other] = [randomUUID(), randomUUID(), randomUUID()];
        assert.equal(await claim(room.id, alice.id, held, 'send-1'), true);
        assert.equal(await claimAll(room.id, alice.id, [free, held, other], 'send-2'), held);
        assert.equal(await claimAll(room.id, alice.id, [free, other, held], null), held);
        // The refused send took neither of the others.
        assert.equal(await claimAll(room.id, alice.id, [free, other], 'send-3'), undefined);
        // A repeat of a send takes all of its files again.
        assert.equal(await claimAll(room.id, alice.id, [other, free], 'send-3'), undefined);
        assert.equal(await claimAll(room.id, alice.id, [free, held], 'send-3'), held);
      });

      it('of sends claiming the same uploads at once in any order, exactly one takes them', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const fileIds: string[] = [randomUUID(), randomUUID(), randomUUID()];
        const refused = await Promise.all(
          Array.from({ length: 8 }, (_, index) =>
            claimAll(room.id, alice.id, index % 2 ? fileIds : [...fileIds].reverse(), `send-${index}`),
          ),
        );
        assert.equal(refused.filter((fileId) => fileId === undefined).length, 1, JSON.stringify(refused));
        for (const fileId of refused) if (fileId !== undefined) assert.ok(fileIds.includes(fileId));
      });
    });

    describe('deactivated accounts', () => {
      it('deactivates an account once and tells when', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        assert.equal(await store.getDeactivation(alice.id), undefined);
        const at = now();
        assert.equal(await store.deactivateUser(alice.id, at), true);
        assert.equal(await store.deactivateUser(alice.id, now()), false);
        assert.equal(await store.getDeactivation(alice.id), at);
        assert.equal(await store.getDeactivation(bob.id), undefined);
        assert.deepEqual(await store.getUser(alice.id), alice);
      });
    });

    describe('audit log', () => {
      const entry = (roomId: string, actor: User, at: number, target: User | null = null): AuditEntry => ({
        id: randomUUID(),
        at,
        roomId,
        action: target ? 'memberRemoved' : 'readOnlyChanged',
        actor: { id: actor.id, username: actor.username },
        target: target && { id: target.id, username: target.username },
        detail: target ? null : 'on',
      });

      it('lists a room’s entries and every room’s, newest first, a page after a key', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const [first, second] = [await roomWith(alice, bob), await roomWith(alice)];
        const at = now();
        const deactivation: AuditEntry = {
          ...entry(first.id, alice, at + 4, bob),
          roomId: null,
          action: 'userDeactivated',
        };
        const entries = [
          entry(first.id, alice, at, bob),
          entry(second.id, alice, at + 1),
          entry(first.id, alice, at + 2),
          // Two at the same moment: ordered by id.
          entry(first.id, bob, at + 3),
          entry(first.id, bob, at + 3),
        ];
        for (const e of [...entries, deactivation]) await store.appendAuditEntry(e);
        const newestFirst = (list: AuditEntry[]) =>
          [...list].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        const roomEntries = newestFirst(entries.filter((e) => e.roomId === first.id));
        assert.deepEqual(await store.listAuditEntries(first.id, ALL), roomEntries);
        const page = await store.listAuditEntries(first.id, { limit: 2 });
        assert.deepEqual(page, roomEntries.slice(0, 2));
        const rest = await store.listAuditEntries(first.id, { after: { at: page[1]!.at, id: page[1]!.id }, limit: 10 });
        assert.deepEqual(rest, roomEntries.slice(2));
        // Every room's log holds them all (and other tests' entries, older or newer: those of this test in order).
        const mine = new Set([...entries, deactivation].map((e) => e.id));
        const all = (await store.listAuditEntries(null, { limit: 1_000 })).filter((e) => mine.has(e.id));
        assert.deepEqual(all, newestFirst([...entries, deactivation]));
        assert.deepEqual(await store.listAuditEntries(randomUUID(), ALL), []);
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
          (await store.listUserRooms(bob.id, ALL)).map(({ room: r, unread }) => [r.id, unread]),
          [[room.id, 0]],
        );
      });

      it('moves the marker back for markUnread, never forward, and the messages after it count again', async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const room = await roomWith(alice, bob);
        const m1 = await send(room, alice, 'one');
        const m2 = await send(room, alice, 'two');
        await send(room, alice, 'three');
        const lastSeq = (await store.getRoom(room.id))!.lastSeq;
        // Just read (on the SQLite store it may still wait for its flush): marking unread wins.
        await store.markRead(room.id, bob.id, lastSeq);
        const unread = await store.markUnread(room.id, bob.id, m1.message.seq);
        assert.deepEqual([unread?.membership.lastReadSeq, unread?.unread], [m1.message.seq, 2]);
        assert.equal((await store.getUserRoom(bob.id, room.id))?.unread, 2);
        assert.deepEqual(
          (await store.listUserRooms(bob.id, ALL)).map(({ room: r, unread: count }) => [r.id, count]),
          [[room.id, 2]],
        );
        // Never forward: a later seq leaves it where it is.
        const ahead = await store.markUnread(room.id, bob.id, m2.message.seq);
        assert.equal(ahead?.membership.lastReadSeq, m1.message.seq);
        assert.equal(await store.markUnread(room.id, (await newUser()).id, 0), undefined);
        // Reading moves it forward again as usual.
        assert.equal((await store.markRead(room.id, bob.id, lastSeq))?.unread, 0);
      });

      it('does not mark for a non-member', async () => {
        const [alice, carol] = [await newUser(), await newUser()];
        const room = await roomWith(alice);
        assert.equal(await store.markRead(room.id, carol.id, 1), undefined);
        assert.equal(await store.getMembership(room.id, carol.id), undefined);
      });
    });

    describe('room heads (heartbeat)', () => {
      it("lists the heads of the user's rooms whose newest event came after a time, by room id, a page at a time", async () => {
        const [alice, bob] = [await newUser(), await newUser()];
        const quiet = await roomWith(alice, bob);
        const busy = await roomWith(alice, bob);
        const edited = await roomWith(alice);
        const others = await roomWith(bob);
        const { message } = await send(edited, alice, 'before');
        const mark = now();
        await send(busy, bob, 'one');
        await send(busy, bob, 'two');
        await store.editMessage(message.id, 'after', now());
        await send(others, bob, 'not alice’s room');
        const seq = async (room: Room) => (await store.getRoom(room.id))!.lastSeq;
        const expected = [
          { roomId: busy.id, seq: await seq(busy) },
          { roomId: edited.id, seq: await seq(edited) },
        ].sort((a, b) => (a.roomId < b.roomId ? -1 : 1));
        assert.deepEqual(await store.listRoomHeads(alice.id, mark, ALL), expected);
        assert.deepEqual(await store.listRoomHeads(alice.id, mark, { limit: 1 }), [expected[0]]);
        assert.deepEqual(await store.listRoomHeads(alice.id, mark, { after: expected[0]!.roomId, limit: 1 }), [
          expected[1],
        ]);
        // Everything of the user's since the start, a joining included; nothing after the last event.
        assert.equal((await store.listRoomHeads(alice.id, 0, ALL)).length, 3);
        assert.ok((await store.listRoomHeads(alice.id, 0, ALL)).some((head) => head.roomId === quiet.id));
        assert.deepEqual(await store.listRoomHeads(alice.id, clock, ALL), []);
        // Leaving moves the room's head, but it is no longer the user's.
        await store.removeMember(busy.id, alice.id, now());
        assert.deepEqual(
          (await store.listRoomHeads(alice.id, mark, ALL)).map((head) => head.roomId),
          [edited.id],
        );
      });
    });

    describe('pages', () => {
      /** Every page of a listing, `size` entries at a time, following `keyOf` the last entry. */
      async function allPages<T, K>(
        size: number,
        read: (page: { after?: K; limit: number }) => Promise<T[]>,
        keyOf: (entry: T) => K,
      ) {
        const entries: T[] = [];
        for (let after: K | undefined; ; ) {
          const page = await read({ ...(after !== undefined && { after }), limit: size });
          assert.ok(page.length <= size);
          entries.push(...page);
          if (page.length < size) return entries;
          after = keyOf(page.at(-1)!);
        }
      }
      const byUsername = (a: { username: string; id: string }, b: { username: string; id: string }) =>
        a.username < b.username ? -1 : a.username > b.username ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

      it('lists members by username, each once, with who is online', async () => {
        const users = [await newUser(), await newUser(), await newUser(), await newUser(), await newUser()];
        const room = await roomWith(...users);
        await store.addConnection({ connectionId: randomUUID(), userId: users[1]!.id, connectedAt: now() });
        await store.addConnection({ connectionId: randomUUID(), userId: users[3]!.id, connectedAt: now() });
        await store.addConnection({ connectionId: randomUUID(), userId: users[3]!.id, connectedAt: now() });
        const members = await allPages<MemberRecord, UserKey>(
          2,
          (page) => store.listMembers(room.id, page),
          ({ user }) => ({ username: user.username, id: user.id }),
        );
        assert.deepEqual(
          members.map(({ user }) => user.id),
          [...users].sort(byUsername).map((user) => user.id),
        );
        assert.deepEqual(
          members
            .filter((member) => member.online)
            .map(({ user }) => user.id)
            .sort(),
          [users[1]!.id, users[3]!.id].sort(),
        );
      });

      it("lists a user's rooms by id, each once", async () => {
        const alice = await newUser();
        const rooms = [await roomWith(alice), await roomWith(alice), await roomWith(alice), await roomWith(alice)];
        const listed = await allPages<UserRoom, string>(
          3,
          (page) => store.listUserRooms(alice.id, page),
          ({ room }) => room.id,
        );
        const ids = rooms.map((room) => room.id).sort();
        assert.deepEqual(
          listed.map(({ room }) => room.id),
          ids,
        );
        assert.deepEqual(
          (await store.listUserRoomSizes(alice.id, 10)).map(({ roomId }) => roomId),
          ids,
        );
      });

      it("counts each of a user's rooms' members up to the cap it is given", async () => {
        const [alice, bob, carol] = [await newUser(), await newUser(), await newUser()];
        const alone = await roomWith(alice);
        const three = await roomWith(alice, bob, carol);
        const byRoom = async (cap: number) =>
          new Map((await store.listUserRoomSizes(alice.id, cap)).map(({ roomId, members }) => [roomId, members]));
        assert.deepEqual(
          await byRoom(2),
          new Map([
            [alone.id, 1],
            [three.id, 2],
          ]),
        );
        assert.equal((await byRoom(3)).get(three.id), 3);
        assert.deepEqual(
          await byRoom(0),
          new Map([
            [alone.id, 0],
            [three.id, 0],
          ]),
          'counting up to 0 counts nothing, and lists every room',
        );
        assert.equal((await byRoom(100)).get(three.id), 3);
        await store.removeMember(three.id, carol.id, now());
        assert.equal((await byRoom(100)).get(three.id), 2);
        assert.deepEqual(await store.listUserRoomSizes(carol.id, 100), []);
      });

      it('lists public rooms by name, each once', async () => {
        const alice = await newUser();
        const mine = [await newRoom(alice), await newRoom(), await newRoom()];
        await store.addMember(mine[0]!.id, alice.id, now());
        const listed = await allPages<PublicRoom, string>(
          4,
          (page) => store.listPublicRooms(alice.id, page),
          ({ room }) => room.name!,
        );
        const names = listed.map(({ room }) => room.name!);
        assert.deepEqual(names, [...names].sort(), 'by name');
        assert.equal(new Set(names).size, names.length, 'each once');
        assert.deepEqual(
          mine.map((room) => listed.find((entry) => entry.room.id === room.id)?.joined),
          [true, false, false],
        );
      });

      it('lists online users by username, each once however many connections they have', async () => {
        const users = [await newUser(), await newUser(), await newUser()];
        for (const user of [...users, users[0]!, users[0]!, users[2]!]) {
          await store.addConnection({ connectionId: randomUUID(), userId: user.id, connectedAt: now() });
        }
        const online = await allPages<User, UserKey>(
          2,
          (page) => store.listOnlineUsers(page),
          (user) => user,
        );
        assert.deepEqual(online, [...online].sort(byUsername), 'by username');
        assert.equal(new Set(online.map((user) => user.id)).size, online.length, 'each once');
        for (const user of users) assert.ok(online.some((entry) => entry.id === user.id));
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
        const online = (await store.listOnlineUsers(ALL)).filter((user) => user.id === alice.id || user.id === bob.id);
        assert.equal(online.length, 2);

        assert.deepEqual(await store.removeConnection(a1), {
          connection: { connectionId: a1, userId: alice.id, connectedAt: at },
          remaining: 1,
        });
        assert.equal(await store.removeConnection(a1), undefined);
        assert.equal((await store.removeConnection(a2))?.remaining, 0);
        assert.ok(!(await store.listOnlineUsers(ALL)).some((user) => user.id === alice.id));
        assert.equal(await store.getConnection(a2), undefined);
      });

      it('reports exactly one online and one offline transition when one user connects and disconnects concurrently', async () => {
        const user = await newUser();
        const ids = Array.from({ length: 12 }, () => randomUUID());
        for (let round = 0; round < 3; round++) {
          const counts = await Promise.all(
            ids.map((connectionId) => store.addConnection({ connectionId, userId: user.id, connectedAt: now() })),
          );
          assert.equal(counts.filter((count) => count === 1).length, 1, `came online once: ${counts}`);
          assert.equal(Math.max(...counts), ids.length);
          // Each connection removed twice at once: a $disconnect racing a clean-up after a gone post.
          const removals = await Promise.all([...ids, ...ids].map((id) => store.removeConnection(id)));
          const done = removals.filter((removal) => removal !== undefined);
          assert.equal(done.length, ids.length, 'each connection removed once');
          assert.equal(done.filter((removal) => removal.remaining === 0).length, 1, 'went offline once');
          assert.deepEqual(await store.listUserConnections(user.id), []);
        }
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
        const listed = async () =>
          (await store.listOnlineUsers({ limit: 10_000 })).filter((user) => [alice.id, bob.id].includes(user.id));
        assert.equal((await listed()).length, 2);
        await store.clearConnections();
        assert.equal(await store.getConnection(a1), undefined);
        assert.deepEqual(await store.listUserConnections(bob.id), []);
        assert.deepEqual(await listed(), []);
      });
    });

    describe('search', () => {
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

      it('finds thread replies and the messages sent together in one turn', async () => {
        const alice = await newUser();
        const room = await roomWith(alice);
        const word = uniqueWord();
        const root = await send(room, alice, `the ${word} root`);
        const batch = await Promise.all([1, 2, 3].map((n) => send(room, alice, `${word} batch ${n}`)));
        const reply = await store.appendReply({
          id: randomUUID(),
          roomId: room.id,
          rootId: root.message.id,
          alsoToRoom: false,
          authorId: alice.id,
          authorName: alice.username,
          text: `a ${word} reply`,
          clientMessageId: null,
          at: now(),
          authorGuest: alice.guest,
        });
        const hits = await store.searchMessages({ userId: alice.id, terms: [word], roomId: room.id, limit: 50 });
        assert.deepEqual(
          hits.map((hit) => hit.message.id).sort(),
          [root, ...batch, reply].map(({ message }) => message.id).sort(),
        );
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

    describe('mentions and notification settings', () => {
      const mentionOf = (...users: User[]) => ({
        users: users.map((user) => ({ id: user.id, username: user.username })),
        room: false,
      });
      const sendMentioning = (room: Room, author: User, mentions: MessageMentions) =>
        store.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: author.id,
          authorName: author.username,
          text: 'hello',
          clientMessageId: null,
          at: now(),
          mentions,
        });

      it('stores a message’s mentions with it, in its event, history and catch-up, and drops them once deleted', async () => {
        const [ada, bob] = [await newUser(), await newUser()];
        const room = await roomWith(ada, bob);
        const mentions = { users: [{ id: bob.id, username: bob.username }], room: true };
        const { message, event } = await sendMentioning(room, ada, mentions);
        assert.deepEqual(message.mentions, mentions);
        assert.deepEqual(event.message.mentions, mentions);
        assert.deepEqual((await store.getMessage(message.id))?.mentions, mentions);
        assert.deepEqual((await store.listMessages(room.id, { limit: 10 })).messages.at(-1)?.mentions, mentions);
        const plain = await send(room, ada, 'no one');
        assert.equal(plain.message.mentions, undefined);
        await store.editMessage(message.id, 'edited', now());
        assert.deepEqual((await store.getMessage(message.id))?.mentions, mentions);
        const deleted = await store.deleteMessage(message.id, now());
        assert.equal(deleted?.message.mentions, undefined);
        const events = await store.listEvents(room.id, 0, 100);
        assert.ok(events.every((e) => !('message' in e) || e.message.id !== message.id || !e.message.mentions));
      });

      it('counts live mentions of a user by others after a sequence number, @room included, per room asked', async () => {
        const [ada, bob, cy] = [await newUser(), await newUser(), await newUser()];
        const room = await roomWith(ada, bob, cy);
        const other = await roomWith(ada, bob);
        const first = await sendMentioning(room, ada, mentionOf(bob));
        await sendMentioning(room, ada, mentionOf(cy));
        await sendMentioning(room, ada, { users: [{ id: bob.id, username: bob.username }], room: true });
        await sendMentioning(room, bob, mentionOf(ada));
        const deleted = await sendMentioning(room, cy, mentionOf(bob));
        await store.deleteMessage(deleted.message.id, now());
        await sendMentioning(other, ada, { users: [], room: true });
        assert.deepEqual(
          await store.countMentions(bob.id, [
            { roomId: room.id, afterSeq: 0 },
            { roomId: other.id, afterSeq: 0 },
            { roomId: room.id, afterSeq: first.message.seq },
          ]),
          [2, 1, 1],
        );
        assert.deepEqual(await store.countMentions(cy.id, [{ roomId: room.id, afterSeq: 0 }]), [2]);
        // Your own @room and your own messages are not mentions of you.
        assert.deepEqual(await store.countMentions(ada.id, [{ roomId: room.id, afterSeq: 0 }]), [1]);
        assert.deepEqual(await store.countMentions(ada.id, []), []);
      });

      it('stores, replaces and reads notification settings per user and room', async () => {
        const [ada, bob] = [await newUser(), await newUser()];
        const [one, two] = [await roomWith(ada, bob), await roomWith(ada)];
        assert.deepEqual(await store.getNotificationSettings(ada.id, [one.id, two.id]), new Map());
        await store.setNotificationSettings(ada.id, one.id, { level: 'nothing', muted: true });
        await store.setNotificationSettings(ada.id, two.id, { level: 'all', muted: false });
        await store.setNotificationSettings(ada.id, one.id, { level: 'mentions', muted: true });
        assert.deepEqual(
          await store.getNotificationSettings(ada.id, [one.id, two.id, randomUUID()]),
          new Map([
            [one.id, { level: 'mentions', muted: true }],
            [two.id, { level: 'all', muted: false }],
          ]),
        );
        assert.deepEqual(await store.getNotificationSettings(bob.id, [one.id]), new Map());
        assert.deepEqual(await store.getNotificationSettings(ada.id, []), new Map());
      });
    });

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

    privateRoomConformance({ store: () => store, now });
  });
}

/** A name unique to this run: letters and digits, at most 24 characters. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 20)}`;
}

/** A word no other test writes, so searches over shared backing data stay exact. */
function uniqueWord(): string {
  return `w${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

export async function assertChatError(promise: Promise<unknown>, code: ChatErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ChatError, `expected a ChatError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}
