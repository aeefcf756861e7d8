/**
 * The store conformance cases of private rooms and invite links (part of
 * `runStoreConformance`, so every adapter runs them): visibility at creation
 * and its changes as sequenced events, the directory leaving private rooms
 * out, and the invite operations with their atomic use counting.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Room, RoomVisibility, User } from '../src/domain/types.ts';
import { directRoomId } from '../src/domain/views.ts';
import type { ChatStore, StoredInvite } from '../src/ports/chat-store.ts';
import { assertChatError, uniqueName } from './store-conformance.ts';

const ALL = { limit: 10_000 };

export function privateRoomConformance(context: { store: () => ChatStore; now: () => number }): void {
  const { now } = context;
  const newUser = (): Promise<User> =>
    context.store().createUser({ id: randomUUID(), username: uniqueName('u'), guest: false, createdAt: now() });
  const newRoom = (creator: User, visibility?: RoomVisibility): Promise<Room> =>
    context
      .store()
      .createRoom({ id: randomUUID(), name: uniqueName('r'), createdBy: creator.id, createdAt: now(), visibility });
  const listed = async (user: User, room: Room) =>
    (await context.store().listPublicRooms(user.id, ALL)).some((entry) => entry.room.id === room.id);
  const newInvite = (room: Room, by: User, changes: Partial<StoredInvite> = {}): StoredInvite => ({
    id: randomUUID(),
    roomId: room.id,
    secretHash: `hash-${randomUUID()}`,
    createdBy: by.id,
    createdAt: now(),
    expiresAt: now() + 60_000,
    maxUses: 2,
    uses: 0,
    revokedAt: null,
    ...changes,
  });

  describe('private rooms', () => {
    it('creates public rooms by default and private ones on request, which the directory leaves out', async () => {
      const store = context.store();
      const owner = await newUser();
      const open = await newRoom(owner);
      const hidden = await newRoom(owner, 'private');
      assert.equal(open.visibility, 'public');
      assert.equal(hidden.visibility, 'private');
      assert.deepEqual(await store.getRoom(hidden.id), hidden);
      assert.deepEqual(await store.getRoomByName(hidden.name!), hidden);
      assert.equal(await listed(owner, open), true);
      assert.equal(await listed(owner, hidden), false);
      await store.addMember(hidden.id, owner.id, now());
      assert.equal((await store.getUserRoom(owner.id, hidden.id))?.room.visibility, 'private');
      assert.equal(await listed(owner, hidden), false);
    });

    it('changes visibility with visibilityChanged events; a repeat writes nothing', async () => {
      const store = context.store();
      const owner = await newUser();
      const room = await newRoom(owner);
      await store.addMember(room.id, owner.id, now());
      const hidden = await store.setRoomVisibility(room.id, 'private', owner.id, now());
      assert.deepEqual(hidden && [hidden.type, hidden.seq], ['visibilityChanged', 2]);
      assert.equal(await store.setRoomVisibility(room.id, 'private', owner.id, now()), null);
      assert.equal((await store.getRoom(room.id))?.visibility, 'private');
      assert.equal(await listed(owner, room), false);
      const shown = await store.setRoomVisibility(room.id, 'public', owner.id, now());
      assert.equal((await store.getRoom(room.id))?.visibility, 'public');
      assert.equal((await store.getRoom(room.id))?.lastSeq, 3);
      assert.equal(await listed(owner, room), true);
      const events = await store.listEvents(room.id, 1, 10);
      assert.deepEqual(events, [hidden, shown]);
      assert.deepEqual(
        events.map((event) => (event.type === 'visibilityChanged' ? [event.visibility, event.user.id] : [])),
        [
          ['private', owner.id],
          ['public', owner.id],
        ],
      );
    });

    it('refuses to change the visibility of a direct conversation or an unknown room: ROOM_NOT_FOUND', async () => {
      const store = context.store();
      const [alice, bob] = [await newUser(), await newUser()];
      const { room } = await store.openDirect({
        id: directRoomId(alice.id, bob.id),
        userIds: [alice.id, bob.id],
        createdAt: now(),
      });
      assert.equal(room.visibility, 'private');
      await assertChatError(store.setRoomVisibility(room.id, 'public', alice.id, now()), 'ROOM_NOT_FOUND');
      await assertChatError(store.setRoomVisibility(randomUUID(), 'private', alice.id, now()), 'ROOM_NOT_FOUND');
    });
  });

  describe('invite links', () => {
    it('stores an invite and finds it by id', async () => {
      const store = context.store();
      const owner = await newUser();
      const room = await newRoom(owner, 'private');
      const invite = newInvite(room, owner);
      await store.createInvite(invite);
      assert.deepEqual(await store.getInvite(invite.id), invite);
      assert.equal(await store.getInvite(randomUUID()), undefined);
    });

    it('counts uses up to maxUses, and none once expired or revoked', async () => {
      const store = context.store();
      const owner = await newUser();
      const room = await newRoom(owner, 'private');
      const invite = newInvite(room, owner, { maxUses: 2 });
      await store.createInvite(invite);
      const at = invite.createdAt + 1;
      assert.equal((await store.consumeInvite(invite.id, at))?.uses, 1);
      assert.equal((await store.consumeInvite(invite.id, at))?.uses, 2);
      assert.equal(await store.consumeInvite(invite.id, at), undefined);
      assert.equal((await store.getInvite(invite.id))?.uses, 2);

      const expiring = newInvite(room, owner);
      await store.createInvite(expiring);
      assert.equal(await store.consumeInvite(expiring.id, expiring.expiresAt), undefined);
      assert.equal((await store.getInvite(expiring.id))?.uses, 0);

      const revoked = newInvite(room, owner);
      await store.createInvite(revoked);
      const first = await store.revokeInvite(revoked.id, at);
      assert.equal(first?.revokedAt, at);
      assert.equal((await store.revokeInvite(revoked.id, at + 5))?.revokedAt, at, 'the first revocation stands');
      assert.equal(await store.consumeInvite(revoked.id, at), undefined);
      assert.equal(await store.consumeInvite(randomUUID(), at), undefined);
      assert.equal(await store.revokeInvite(randomUUID(), at), undefined);
    });

    it('never counts more uses than maxUses under concurrent redemptions', async () => {
      const store = context.store();
      const owner = await newUser();
      const room = await newRoom(owner, 'private');
      const invite = newInvite(room, owner, { maxUses: 3 });
      await store.createInvite(invite);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.consumeInvite(invite.id, invite.createdAt + 1)),
      );
      assert.equal(results.filter((result) => result !== undefined).length, 3);
      assert.equal((await store.getInvite(invite.id))?.uses, 3);
    });

    it("lists a room's invites, the newest first, up to a limit", async () => {
      const store = context.store();
      const owner = await newUser();
      const [room, other] = [await newRoom(owner, 'private'), await newRoom(owner)];
      const invites = [newInvite(room, owner), newInvite(room, owner), newInvite(room, owner)];
      for (const invite of invites) await store.createInvite(invite);
      await store.createInvite(newInvite(other, owner));
      await store.revokeInvite(invites[0]!.id, now());
      const listed = await store.listRoomInvites(room.id, 10);
      assert.deepEqual(
        listed.map((invite) => invite.id),
        invites.map((invite) => invite.id).reverse(),
      );
      assert.notEqual(listed.at(-1)?.revokedAt, null);
      assert.deepEqual(
        (await store.listRoomInvites(room.id, 2)).map((invite) => invite.id),
        [invites[2]!.id, invites[1]!.id],
      );
      assert.deepEqual(await store.listRoomInvites(randomUUID(), 10), []);
    });
  });
}
