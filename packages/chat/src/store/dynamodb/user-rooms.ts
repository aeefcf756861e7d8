/**
 * A member's view of their rooms on DynamoDB: the room list with unread counts,
 * and read markers. An unread count is a COUNT query over just the messages
 * after the member's marker, so it costs what is unread, not the room's history.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RoomHead, RoomId, UserId, UserRoom } from '../../domain/types.ts';
import type { Page, RoomSize } from '../../ports/chat-store.ts';
import {
  byKey,
  compare,
  IN_TIMELINE,
  keyOf,
  type MemberItem,
  type RoomItem,
  toMembership,
  toRoom,
  toUser,
} from './items.ts';
import { MAX_SEQ } from './sequenced-write.ts';
import { type DynamoTable, isConditionalFailure, mapLimit } from './table.ts';
import { keys } from './table-design.ts';
import { userRoomIds } from './user-partition.ts';

/** Room items read per BatchGet request when looking for heads that moved. */
const HEADS_BATCH = 100;

export class DynamoUserRooms {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]> {
    const table = this.#table;
    return table.run(async () => {
      // Room ids are keys of the user's partition: a page is a range of them (`ROOM$` sorts after every `ROOM#...`).
      const entries = await table.query<{ roomId: RoomId }>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.user(userId).pk,
            ':low': keys.userRoom(userId, page.after ?? '').sk,
            ':high': 'ROOM$',
          },
        },
        page.limit + 1,
      );
      const roomIds = entries
        .map((entry) => entry.roomId)
        .filter((roomId) => roomId !== page.after)
        .slice(0, page.limit);
      const items = byKey(
        await table.batchGet<RoomItem | MemberItem>(
          roomIds.flatMap((roomId) => [keys.room(roomId), keys.member(roomId, userId)]),
        ),
      );
      const pairs = roomIds.flatMap((roomId) => {
        const room = items.get(keyOf(keys.room(roomId))) as RoomItem | undefined;
        const member = items.get(keyOf(keys.member(roomId, userId))) as MemberItem | undefined;
        return room && member ? [[room, member] as const] : [];
      });
      return mapLimit(pairs, table.settings.queryConcurrency, ([room, member]) => this.#userRoom(room, member));
    });
  }

  /**
   * The heads of the user's rooms that moved after `changedAfter`: the user's
   * room entries (one Query of their partition), then the room items, 100 per
   * BatchGet, eventually consistent and only `id`, `lastSeq` and `headAt`, until
   * `page.limit` rooms moved or the user's rooms end. A call costs what the user's
   * rooms are: about half a read unit per room (a user in 1,000 rooms: about 500
   * read units, whatever the rooms hold). An eventually consistent read may miss
   * a write of the last second; the next heartbeat looks back far enough
   * (`ChatLimits.headsLookbackMs`) to see it. A room written before rooms kept
   * `headAt` is named only after its next event.
   */
  async listRoomHeads(userId: UserId, changedAfter: number, page: Page<RoomId>): Promise<RoomHead[]> {
    const table = this.#table;
    return table.run(async () => {
      const roomIds = (await userRoomIds(table, userId)).filter(
        (roomId) => page.after === undefined || roomId > page.after,
      );
      const heads: RoomHead[] = [];
      for (let start = 0; start < roomIds.length && heads.length < page.limit; start += HEADS_BATCH) {
        const rooms = await table.batchGet<Pick<RoomItem, 'id' | 'lastSeq' | 'headAt'>>(
          roomIds.slice(start, start + HEADS_BATCH).map((roomId) => keys.room(roomId)),
          { consistent: false, attributes: ['id', 'lastSeq', 'headAt'] },
        );
        heads.push(
          ...rooms
            .filter((room) => (room.headAt ?? 0) > changedAfter)
            .sort((a, b) => compare(a.id, b.id))
            .map((room) => ({ roomId: room.id, seq: room.lastSeq })),
        );
      }
      return heads.slice(0, page.limit);
    });
  }

  /** The room items keep `memberCount`, so a room's size costs one projected read whatever it is. */
  async listUserRoomSizes(userId: UserId, countUpTo: number): Promise<RoomSize[]> {
    const table = this.#table;
    return table.run(async () => {
      const roomIds = await userRoomIds(table, userId);
      if (countUpTo === 0) return roomIds.map((roomId) => ({ roomId, members: 0 }));
      const rooms = await table.batchGet<Pick<RoomItem, 'id' | 'memberCount'>>(
        roomIds.map((roomId) => keys.room(roomId)),
        { consistent: false, attributes: ['id', 'memberCount'] },
      );
      return rooms
        .sort((a, b) => compare(a.id, b.id))
        .map((room) => ({ roomId: room.id, members: Math.min(room.memberCount, countUpTo) }));
    });
  }

  async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const [member, room] = await Promise.all([
        table.get<MemberItem>(keys.member(roomId, userId)),
        table.get<RoomItem>(keys.room(roomId)),
      ]);
      return member && room ? this.#userRoom(room, member) : undefined;
    });
  }

  /**
   * Moves the read marker forward, never back. The membership is read first, so
   * a marker that would not move costs no write at all (a conditional write that
   * fails is still billed); the condition keeps two racing calls from moving it back.
   */
  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const [room, member] = await Promise.all([
        table.get<RoomItem>(keys.room(roomId)),
        table.get<MemberItem>(keys.member(roomId, userId)),
      ]);
      if (!room || !member) return undefined;
      const capped = Math.min(seq, room.lastSeq);
      if (capped <= member.lastReadSeq) return this.#userRoom(room, member);
      try {
        const { Attributes } = await table.doc.send(
          new UpdateCommand({
            TableName: table.name,
            Key: keys.member(roomId, userId),
            UpdateExpression: 'SET #lastReadSeq = :seq',
            // Never backwards, and never creates a membership.
            ConditionExpression: 'attribute_exists(pk) AND #lastReadSeq < :seq',
            ExpressionAttributeNames: { '#lastReadSeq': 'lastReadSeq' },
            ExpressionAttributeValues: { ':seq': capped },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return this.#userRoom(room, Attributes as MemberItem);
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
      // Moved further (or the member left) meanwhile: answer with what is stored now.
      const current = await table.get<MemberItem>(keys.member(roomId, userId));
      return current && this.#userRoom(room, current);
    });
  }

  /** Moves the read marker back, never forward (the condition keeps a racing markRead's move). */
  async markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    const table = this.#table;
    return table.run(async () => {
      await table.updateIfHeld({
        Key: keys.member(roomId, userId),
        UpdateExpression: 'SET #lastReadSeq = :seq',
        ConditionExpression: 'attribute_exists(pk) AND #lastReadSeq > :seq',
        ExpressionAttributeNames: { '#lastReadSeq': 'lastReadSeq' },
        ExpressionAttributeValues: { ':seq': seq },
      });
      const [room, member] = await Promise.all([
        table.get<RoomItem>(keys.room(roomId)),
        table.get<MemberItem>(keys.member(roomId, userId)),
      ]);
      return room && member ? this.#userRoom(room, member) : undefined;
    });
  }

  /** A UserRoom from its room and membership items, counting unread messages. */
  async #userRoom(room: RoomItem, member: MemberItem): Promise<UserRoom> {
    // Others' live messages after the marker: a query over just the unread range.
    const unread = await this.#table.count({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      FilterExpression: `#authorId <> :me AND attribute_not_exists(#deletedAt) AND ${IN_TIMELINE.filter}`,
      ExpressionAttributeNames: { '#authorId': 'authorId', '#deletedAt': 'deletedAt', ...IN_TIMELINE.names },
      ExpressionAttributeValues: {
        ':pk': keys.room(room.id).pk,
        ':low': keys.message(room.id, member.lastReadSeq + 1).sk,
        ':high': keys.message(room.id, MAX_SEQ).sk,
        ':me': member.userId,
        ...IN_TIMELINE.values,
      },
    });
    return { room: toRoom(room)!, membership: toMembership(member), unread, peer: toUser(member.peer) ?? null };
  }
}
