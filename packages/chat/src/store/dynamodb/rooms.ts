/**
 * Rooms and memberships on DynamoDB. A room's partition (`ROOM#<id>`) holds the
 * room item (with `lastSeq` and `memberCount`), its members, bans, messages and
 * events; each membership also has a `USER#<id>` / `ROOM#<id>` item for the
 * user's room list. Room names are unique through a guard item, like usernames;
 * a direct conversation (of two, or a group) has a deterministic id, so opening it twice finds one.
 * Joining and leaving append an event, so they go through `sequencedWrite`, and
 * move the member's open connections into or out of the room's live-connection
 * index (room-connections.ts).
 */
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { ChatError } from '../../domain/errors.ts';
import type {
  Membership,
  Room,
  RoomEvent,
  RoomId,
  RoomVisibility,
  StoredRole,
  User,
  UserId,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type {
  MemberContext,
  MemberRecord,
  MembershipResult,
  NewDirect,
  NewRoom,
  Page,
  PublicRoom,
  RoomBanRecord,
  UserKey,
} from '../../ports/chat-store.ts';
import {
  byKey,
  type EventItem,
  keyOf,
  type MemberItem,
  memberItem,
  type RoomItem,
  roomItem,
  toEvent,
  toMembership,
  toRoom,
  toUser,
  type UserItem,
} from './items.ts';
import type { DynamoRoomConnections } from './room-connections.ts';
import { type RoomItemChange, sequencedWrite } from './sequenced-write.ts';
import { cancelled, type DynamoTable, gsi1From, type Transaction } from './table.ts';
import { GSI1_ROOMS, gsi1Members, keys } from './table-design.ts';

/** What one room setting writes when it changes anything (`DynamoRooms.#changeRoom`). */
interface RoomSettingChange {
  /** The event item's type and what it set (its time and who set it are added). */
  event: Omit<EventItem, 'at' | 'user'>;
  /** The room item's change, made with the sequence bump. */
  change: Pick<RoomItemChange, 'topic' | 'visibility' | 'readOnly' | 'rename'>;
  /** Other items of the same write (a rename moves the name's guard item). */
  items?: Transaction;
}

export class DynamoRooms {
  readonly #table: DynamoTable;
  readonly #live: DynamoRoomConnections;

  constructor(table: DynamoTable, live: DynamoRoomConnections) {
    this.#table = table;
    this.#live = live;
  }

  async createRoom(room: NewRoom): Promise<Room> {
    const table = this.#table;
    return table.run(async () => {
      const record: Room = {
        id: room.id,
        kind: 'room',
        name: room.name,
        createdBy: room.createdBy,
        createdAt: room.createdAt,
        topic: null,
        lastSeq: 0,
        visibility: room.visibility ?? 'public',
        readOnly: false,
      };
      // Only public rooms are in the directory's index.
      const listed = record.visibility === 'public' ? { gsi1pk: GSI1_ROOMS, gsi1sk: room.name } : {};
      const reasons = await table.transact([
        table.put({ ...keys.roomName(room.name), roomId: room.id }, 'attribute_not_exists(pk)'),
        table.put(
          { ...keys.room(room.id), ...roomItem(record), memberCount: 0, ...listed },
          'attribute_not_exists(pk)',
        ),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ChatError('ROOM_NAME_TAKEN');
      if (reasons) throw cancelled(reasons);
      return record;
    });
  }

  async getRoom(id: RoomId): Promise<Room | undefined> {
    return this.#table.run(async () => toRoom(await this.#table.get<RoomItem>(keys.room(id))));
  }

  async getRoomByName(name: string): Promise<Room | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const guard = await table.get<{ roomId: RoomId }>(keys.roomName(name));
      return guard && toRoom(await table.get<RoomItem>(keys.room(guard.roomId)));
    });
  }

  async listPublicRooms(userId: UserId, page: Page<string>): Promise<PublicRoom[]> {
    const table = this.#table;
    return table.run(async () => {
      const listed = await table.query<{ id: RoomId }>(gsi1From(GSI1_ROOMS, page.after), page.limit);
      // The index holds only immutable attributes; counts and sequences come from the items themselves.
      const items = byKey(
        await table.batchGet<RoomItem | MemberItem>(
          listed.flatMap(({ id }) => [keys.room(id), keys.member(id, userId)]),
        ),
      );
      return listed.flatMap(({ id }) => {
        const item = items.get(keyOf(keys.room(id))) as RoomItem | undefined;
        const joined = items.has(keyOf(keys.member(id, userId)));
        // The index may lag a room just made private: the item itself decides.
        if (!item || item.visibility === 'private') return [];
        return [{ room: toRoom(item)!, memberCount: item.memberCount, joined }];
      });
    });
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    const table = this.#table;
    return table.run(async () => {
      const existing = toRoom(await table.get<RoomItem>(keys.room(direct.id)));
      if (existing) return { room: existing, created: false };
      const items = await Promise.all(direct.userIds.map((id) => table.get<UserItem>(keys.user(id))));
      if (items.some((user) => user === undefined)) throw new ChatError('USER_NOT_FOUND');
      const users = items.map((user) => toUser(user)!);
      const record: Room = {
        id: direct.id,
        kind: 'direct',
        name: null,
        createdBy: users[0]!.id,
        createdAt: direct.createdAt,
        topic: null,
        lastSeq: 0,
        visibility: 'private',
        readOnly: false,
      };
      // Two people are each other's peer; a group conversation has none (it is named by its members).
      const peerOf = (user: User): { peer?: User } =>
        users.length === 2 ? { peer: users.find((other) => other.id !== user.id)! } : {};
      const member = (user: User): Transaction => [
        table.put({
          ...keys.member(direct.id, user.id),
          ...memberItem(
            { roomId: direct.id, userId: user.id, joinedAt: direct.createdAt, lastReadSeq: 0, role: 'member' },
            user,
          ),
          ...peerOf(user),
        }),
        table.put({ ...keys.userRoom(user.id, direct.id), roomId: direct.id }),
      ];
      const reasons = await table.transact([
        table.put(
          { ...keys.room(direct.id), ...roomItem(record), memberCount: users.length },
          'attribute_not_exists(pk)',
        ),
        ...users.flatMap(member),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') {
        // Opened concurrently by another member (or another node): theirs stands.
        return { room: toRoom(await table.get<RoomItem>(keys.room(direct.id)))!, created: false };
      }
      if (reasons) throw cancelled(reasons);
      await Promise.all(direct.userIds.map((userId) => this.#live.joined(direct.id, userId)));
      return { room: record, created: true };
    });
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const table = this.#table;
    return table.run(async () => {
      const result = await sequencedWrite<MembershipResult>(table, roomId, async (seq) => {
        const existing = await table.get<MemberItem>(keys.member(roomId, userId));
        if (existing) return { result: { membership: toMembership(existing), event: null } };
        const user = toUser(await table.get<UserItem>(keys.user(userId)));
        if (!user) throw new ChatError('USER_NOT_FOUND');
        // A new member has read everything up to their own arrival.
        const membership: Membership = { roomId, userId, joinedAt: at, lastReadSeq: seq, role: 'member' };
        return {
          memberDelta: 1,
          at,
          items: [
            table.put({ ...keys.member(roomId, userId), ...memberItem(membership, user) }, 'attribute_not_exists(pk)'),
            table.put({ ...keys.userRoom(userId, roomId), roomId }),
            table.put({ ...keys.event(roomId, seq), type: 'memberJoined', at, user }),
          ],
          result: { membership, event: { type: 'memberJoined', roomId, seq, at, user: userSummary(user) } },
        };
      });
      // Also for a member already there: a join retried after a failed indexing repairs it.
      await this.#live.joined(roomId, userId);
      return result;
    });
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const table = this.#table;
    return table.run(async () => {
      const none: MembershipResult = { membership: null, event: null };
      // Checked before the room is read: leaving an unknown room is a no-op too. Either way the
      // user's connections leave the index: a leave retried after a failed unindexing repairs it.
      if (!(await table.get<MemberItem>(keys.member(roomId, userId)))) {
        await this.#live.left(roomId, userId);
        return none;
      }
      const result = await sequencedWrite<MembershipResult>(table, roomId, async (seq) => {
        const member = await table.get<MemberItem>(keys.member(roomId, userId));
        if (!member) return { result: none };
        return {
          memberDelta: -1,
          at,
          items: [
            table.delete(keys.member(roomId, userId), 'attribute_exists(pk)'),
            table.delete(keys.userRoom(userId, roomId)),
            table.put({ ...keys.event(roomId, seq), type: 'memberLeft', at, user: member.user }),
          ],
          result: { membership: null, event: { type: 'memberLeft', roomId, seq, at, user: userSummary(member.user) } },
        };
      });
      await this.#live.left(roomId, userId);
      return result;
    });
  }

  setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, by, at, async (room) =>
      room.topic === topic
        ? null
        : { event: { type: 'topicChanged', ...(topic !== null && { topic }) }, change: { topic } },
    );
  }

  renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    const table = this.#table;
    return this.#changeRoom(roomId, by, at, async (room) => {
      if (room.name === name) return null;
      // Another room's guard item holds the name (a race lost to another rename or a
      // creation reads it here on the retry that the failed condition causes).
      const guard = await table.get<{ roomId: RoomId }>(keys.roomName(name));
      if (guard && guard.roomId !== roomId) throw new ChatError('ROOM_NAME_TAKEN');
      return {
        event: { type: 'roomRenamed', name },
        change: { rename: { name, listed: room.visibility === 'public' } },
        items: [
          table.delete(keys.roomName(room.name!)),
          table.put({ ...keys.roomName(name), roomId }, 'attribute_not_exists(pk)'),
        ],
      };
    });
  }

  setRoomVisibility(roomId: RoomId, visibility: RoomVisibility, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, by, at, async (room) =>
      room.visibility === visibility
        ? null
        : {
            event: { type: 'visibilityChanged', visibility },
            change: { visibility: { visibility, name: room.name! } },
          },
    );
  }

  setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, by, at, async (room) =>
      room.readOnly === readOnly ? null : { event: { type: 'readOnlyChanged', readOnly }, change: { readOnly } },
    );
  }

  /**
   * One room setting (topic, name, visibility, read-only) as one sequenced write:
   * the room (a named room, not a direct conversation), the setting's own plan
   * (`null`: already so, nothing written), who made the change, then the event item
   * with the room item's change. The answer is that event item read as catch-up
   * reads it (`toEvent`), so the live event and the stored one cannot differ.
   */
  #changeRoom(
    roomId: RoomId,
    by: UserId,
    at: number,
    plan: (room: Room) => Promise<RoomSettingChange | null>,
  ): Promise<RoomEvent | null> {
    const table = this.#table;
    return table.run(() =>
      sequencedWrite<RoomEvent | null>(table, roomId, async (seq) => {
        const room = toRoom(await table.get<RoomItem>(keys.room(roomId)));
        if (room?.kind !== 'room') throw new ChatError('ROOM_NOT_FOUND');
        const setting = await plan(room);
        if (!setting) return { result: null };
        const user = toUser(await table.get<UserItem>(keys.user(by)));
        if (!user) throw new ChatError('USER_NOT_FOUND');
        const event = { ...keys.event(roomId, seq), ...setting.event, at, user };
        return {
          ...setting.change,
          at,
          items: [...(setting.items ?? []), table.put(event)],
          result: toEvent(roomId, event, new Map()),
        };
      }),
    );
  }

  async setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    const table = this.#table;
    return table.run(() =>
      sequencedWrite<RoomEvent | null>(table, roomId, async (seq) => {
        const member = await table.get<MemberItem>(keys.member(roomId, userId));
        if (!member) throw new ChatError('MEMBER_NOT_FOUND');
        if ((member.role ?? 'member') === role) return { result: null };
        const memberKey = keys.member(roomId, userId);
        return {
          at,
          items: [
            {
              Update: {
                TableName: table.name,
                Key: memberKey,
                UpdateExpression: role === 'admin' ? 'SET #role = :role' : 'REMOVE #role',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeNames: { '#role': 'role' },
                ...(role === 'admin' && { ExpressionAttributeValues: { ':role': role } }),
              },
            },
            table.put({ ...keys.event(roomId, seq), type: 'memberRoleChanged', at, user: member.user, role }),
          ],
          result: { type: 'memberRoleChanged', roomId, seq, at, user: userSummary(member.user), role },
        };
      }),
    );
  }

  async banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    const table = this.#table;
    await table.run(() =>
      table.updateIfHeld({
        Key: keys.ban(roomId, userId),
        UpdateExpression: 'SET #bannedAt = :at',
        // A ban already there stays as it is, as on the SQL stores.
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeNames: { '#bannedAt': 'bannedAt' },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    const table = this.#table;
    return table.run(async () => {
      const { Attributes } = await table.doc.send(
        new DeleteCommand({ TableName: table.name, Key: keys.ban(roomId, userId), ReturnValues: 'ALL_OLD' }),
      );
      return Attributes !== undefined;
    });
  }

  async isBannedFromRoom(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.#table.run(async () => (await this.#table.get(keys.ban(roomId, userId))) !== undefined);
  }

  /** The room's `BAN#<userId>` items in key order, and their users (a ban outlives nothing: users are never deleted). */
  async listRoomBans(roomId: RoomId, page: Page<UserId>): Promise<RoomBanRecord[]> {
    const table = this.#table;
    return table.run(async () => {
      // From the `after` item itself (BETWEEN is inclusive; `$` follows `#`), which is then dropped.
      const from = keys.ban(roomId, page.after ?? '').sk;
      const found = await table.query<{ bannedAt: number }>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.room(roomId).pk, ':from': from, ':to': 'BAN$' },
        },
        page.limit + 1,
      );
      const bans = found.filter(({ sk }) => sk !== from).slice(0, page.limit);
      const userIds = bans.map(({ sk }) => sk.slice('BAN#'.length));
      const users = byKey(await table.batchGet<UserItem>(userIds.map((id) => keys.user(id))));
      return bans.flatMap((ban, index) => {
        const user = toUser(users.get(keyOf(keys.user(userIds[index] as UserId))));
        return user ? [{ user, bannedAt: ban.bannedAt }] : [];
      });
    });
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    return this.#table.run(async () => {
      const item = await this.#table.get<MemberItem>(keys.member(roomId, userId));
      return item && toMembership(item);
    });
  }

  /** The room, the membership and the user: one strongly consistent batch of three keys. */
  async getMemberContext(roomId: RoomId, userId: UserId): Promise<MemberContext> {
    const table = this.#table;
    return table.run(async () => {
      const [roomKey, memberKey, userKey] = [keys.room(roomId), keys.member(roomId, userId), keys.user(userId)];
      const found = byKey(await table.batchGet<RoomItem | MemberItem | UserItem>([roomKey, memberKey, userKey]));
      const member = found.get(keyOf(memberKey)) as MemberItem | undefined;
      return {
        room: toRoom(found.get(keyOf(roomKey)) as RoomItem | undefined),
        membership: member && toMembership(member),
        user: toUser(found.get(keyOf(userKey)) as UserItem | undefined),
      };
    });
  }

  async listMembers(roomId: RoomId, page: Page<UserKey>): Promise<MemberRecord[]> {
    const table = this.#table;
    return table.run(async () => {
      const after = page.after && `${page.after.username}#${page.after.id}`;
      const [members, online] = await Promise.all([
        table.query<Pick<MemberItem, 'user' | 'joinedAt'>>(gsi1From(gsi1Members(roomId), after), page.limit),
        this.#live.onlineUserIds(roomId),
      ]);
      // Roles change, so the index (immutable attributes only) does not hold them: the page's
      // membership items do (eventually consistent: a role changed a moment ago may show late).
      const roles = byKey(
        await table.batchGet<Pick<MemberItem, 'role'>>(
          members.map(({ user }) => keys.member(roomId, user.id)),
          { consistent: false, attributes: ['pk', 'sk', 'role'] },
        ),
      );
      return members.map(({ user, joinedAt }) => ({
        user: toUser(user)!,
        joinedAt,
        online: online.has(user.id),
        role: roles.get(keyOf(keys.member(roomId, user.id)))?.role ?? 'member',
      }));
    });
  }
}
