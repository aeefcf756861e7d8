/**
 * Rooms and memberships on PostgreSQL: creating rooms and direct
 * conversations, joining and leaving, a room's settings (topic, name,
 * visibility, read-only), members' roles, and bans.
 *
 * Every write that produces a room event takes the room's row lock first (the
 * sequence bump, or `SELECT … FOR UPDATE`), so what it reads under the lock
 * stays until it commits and no lock order is inverted. Names are unique
 * through the `rooms_name_key` index: a write that would take a taken name
 * fails with ROOM_NAME_TAKEN (postgres-database.ts maps the violation).
 */
import { ChatError } from '../../domain/errors.ts';
import type { Room, RoomEvent, RoomId, RoomVisibility, StoredRole, UserId } from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type { ChatStore, MembershipResult, NewDirect, NewRoom } from '../../ports/chat-store.ts';
import { type EventRow, type RoomRow, toEvent, toRoom, toUser, type UserRow } from '../sql/rows.ts';
import { ROOM_COLUMNS } from '../sql/statements.ts';
import type { PostgresDatabase, Transaction } from './postgres-database.ts';

/** The store's reads these writes answer with (store/sql/sql-chat-store.ts). */
export type RoomReads = Pick<ChatStore, 'getRoom' | 'getMembership'>;

export class PostgresRooms {
  readonly #database: PostgresDatabase;
  readonly #reads: RoomReads;

  constructor(database: PostgresDatabase, reads: RoomReads) {
    this.#database = database;
    this.#reads = reads;
  }

  async createRoom(room: NewRoom): Promise<Room> {
    const [row] = await this.#database.query<RoomRow>(this.#database.sql.insertRoom, [
      room.id,
      room.name,
      room.createdBy,
      room.createdAt,
      room.visibility ?? 'public',
    ]);
    return toRoom(row!);
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    // One statement: two nodes opening the same pair at once create one room; the loser finds it.
    const [created] = await this.#database.query<RoomRow>(
      `WITH room AS (
         INSERT INTO rooms AS r (id, kind, name, created_by, created_at) VALUES ($1, 'direct', NULL, $2, $3)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${ROOM_COLUMNS}
       ), members AS (
         INSERT INTO memberships (room_id, user_id, joined_at) SELECT room.id, member, $3 FROM room, unnest($4::text[]) member
       )
       SELECT * FROM room`,
      [direct.id, direct.userIds[0], direct.createdAt, direct.userIds],
    );
    if (created) return { room: toRoom(created), created: true };
    return { room: (await this.#reads.getRoom(direct.id))!, created: false };
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const existing = await this.#reads.getMembership(roomId, userId);
    if (existing) return { membership: existing, event: null };
    const event = await this.#database.transaction(async (tx) => {
      const seq = await this.#database.nextSeq(tx, roomId);
      if (seq === undefined) throw new ChatError('ROOM_NOT_FOUND');
      // A new member has read everything up to their own arrival. ON CONFLICT: another node
      // added the member since the check above, and the event rolls back.
      return this.#changeMember(
        tx,
        'memberJoined',
        `INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING user_id`,
        { roomId, userId, at, seq },
      );
    });
    if (!event) return { membership: (await this.#reads.getMembership(roomId, userId)) ?? null, event: null };
    return { membership: { roomId, userId, joinedAt: at, lastReadSeq: event.seq, role: 'member' }, event };
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const event = await this.#database.transaction(async (tx) => {
      // The room's lock comes first, as in every event-producing write (see this file's header).
      const seq = await this.#database.nextSeq(tx, roomId);
      if (seq === undefined) return undefined;
      return this.#changeMember(
        tx,
        'memberLeft',
        'DELETE FROM memberships WHERE room_id = $1 AND user_id = $2 RETURNING user_id',
        { roomId, userId, at, seq },
      );
    });
    return { membership: null, event: event ?? null };
  }

  async setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'topic', value: topic },
      { type: 'topicChanged', column: 'topic' },
      by,
      at,
    );
  }

  async renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    // A taken name fails the unique index (rooms_name_key): ROOM_NAME_TAKEN, and the transaction rolls back.
    return this.#changeRoom(roomId, { column: 'name', value: name }, { type: 'roomRenamed', column: 'detail' }, by, at);
  }

  async setRoomVisibility(
    roomId: RoomId,
    visibility: RoomVisibility,
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'visibility', value: visibility },
      { type: 'visibilityChanged', column: 'visibility' },
      by,
      at,
    );
  }

  async setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    return this.#database.transaction(async (tx) => {
      // The room's lock first, as in every event-producing write; the role read under it stays.
      if (!(await this.#database.lockRoom(tx, roomId))) throw new ChatError('ROOM_NOT_FOUND');
      const [member] = await tx.query<{ role: StoredRole }>(
        'SELECT role FROM memberships WHERE room_id = $1 AND user_id = $2',
        [roomId, userId],
      );
      if (!member) throw new ChatError('MEMBER_NOT_FOUND');
      if (member.role === role) return null;
      const seq = (await this.#database.nextSeq(tx, roomId))!;
      await tx.query('UPDATE memberships SET role = $3 WHERE room_id = $1 AND user_id = $2', [roomId, userId, role]);
      await tx.query(
        `INSERT INTO events (room_id, seq, type, at, user_id, detail) VALUES ($1, $2, 'memberRoleChanged', $3, $4, $5)`,
        [roomId, seq, at, userId, role],
      );
      const [row] = await tx.query<EventRow>(this.#database.sql.eventAt, [roomId, seq]);
      return toEvent(row!);
    });
  }

  async setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'read_only', value: readOnly },
      { type: 'readOnlyChanged', column: 'detail', value: readOnly ? 'on' : 'off' },
      by,
      at,
    );
  }

  // Bans

  async banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    await this.#database.query(this.#database.sql.banFromRoom, [roomId, userId, at]);
  }

  async liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    return (await this.#database.query(this.#database.sql.liftRoomBan, [roomId, userId])).length > 0;
  }

  /**
   * Sets one column of a `room`-kind room and appends its event naming `by`, whose own
   * `event.column` keeps what was set (`event.value`, or the setting's value); `null` when
   * the room already had it. The room's row lock comes first, as in every event-producing
   * write, so the value read under it stays. Rejects with ROOM_NOT_FOUND (also a direct
   * conversation).
   */
  #changeRoom(
    roomId: RoomId,
    setting: { column: 'topic' | 'name' | 'visibility' | 'read_only'; value: string | boolean | null },
    event: { type: RoomEvent['type']; column: 'topic' | 'visibility' | 'detail'; value?: string },
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    const { column, value } = setting;
    return this.#database.transaction(async (tx) => {
      const [room] = await tx.query<{ kind: string; current: unknown }>(
        `SELECT kind, ${column} AS current FROM rooms WHERE id = $1 FOR UPDATE`,
        [roomId],
      );
      if (room?.kind !== 'room') throw new ChatError('ROOM_NOT_FOUND');
      if (room.current === value) return null;
      const [{ last_seq: seq }] = (await tx.query<{ last_seq: number }>(
        `UPDATE rooms SET last_seq = last_seq + 1, ${column} = $2 WHERE id = $1 RETURNING last_seq`,
        [roomId, value],
      )) as [{ last_seq: number }];
      await tx.query(
        `INSERT INTO events (room_id, seq, type, at, user_id, ${event.column}) VALUES ($1, $2, $3, $4, $5, $6)`,
        [roomId, seq, event.type, at, by, event.value ?? value],
      );
      const [row] = await tx.query<EventRow>(this.#database.sql.eventAt, [roomId, seq]);
      return toEvent(row!);
    });
  }

  /**
   * Changes a membership (`change`, over `$1` = room, `$2` = user, `$3` = at and
   * `$4` = seq, returning the `user_id` it changed) and appends its event with
   * `seq`; or rolls back (`undefined`) when it changed nothing. The room's lock
   * must be taken first (`PostgresDatabase.nextSeq`).
   */
  async #changeMember(
    tx: Transaction,
    type: 'memberJoined' | 'memberLeft',
    change: string,
    { roomId, userId, at, seq }: { roomId: RoomId; userId: UserId; at: number; seq: number },
  ): Promise<RoomEvent | undefined> {
    const [row] = await tx.query<UserRow>(
      `WITH changed AS (${change}), event AS (
         INSERT INTO events (room_id, seq, type, at, user_id) SELECT $1, $4, '${type}', $3, user_id FROM changed
       )
       SELECT u.* FROM changed JOIN users u ON u.id = changed.user_id`,
      [roomId, userId, at, seq],
    );
    if (!row) return tx.rollback(undefined);
    return { type, roomId, seq, at, user: userSummary(toUser(row)) };
  }
}
