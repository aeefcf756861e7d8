/**
 * Rooms and memberships on SQLite: a room name is unique ignoring case (the
 * `COLLATE NOCASE` unique column), so a taken one is a constraint failure,
 * answered as ROOM_NAME_TAKEN; a direct conversation is made with both its
 * members in one transaction; joining, leaving and each change of a room's
 * settings or a member's role append their event (room-events.ts) in the same
 * transaction; a ban is a `room_bans` row.
 */
import { ChatError } from '../../domain/errors.ts';
import type { Membership, Room, RoomEvent, RoomId, RoomVisibility, StoredRole, UserId } from '../../domain/types.ts';
import type { MembershipResult, NewDirect, NewRoom } from '../../ports/chat-store.ts';
import { type MembershipRow, type RoomRow, toMembership, toRoom } from '../sql/rows.ts';
import type { SqliteRoomEvents } from './room-events.ts';
import { claimName, type SqliteDatabase } from './sqlite-database.ts';

/** The `rooms` column of each room setting `#changeRoom` sets. */
const ROOM_SETTING_COLUMNS = { topic: 'topic', name: 'name', visibility: 'visibility', readOnly: 'read_only' } as const;

export class SqliteRooms {
  readonly #database: SqliteDatabase;
  readonly #events: SqliteRoomEvents;

  constructor(database: SqliteDatabase, events: SqliteRoomEvents) {
    this.#database = database;
    this.#events = events;
  }

  async createRoom(room: NewRoom): Promise<Room> {
    const database = this.#database;
    return database.write(() =>
      toRoom(
        claimName(
          'ROOM_NAME_TAKEN',
          () =>
            database
              .prepare(database.sql.insertRoom)
              .get(room.id, room.name, room.createdBy, room.createdAt, room.visibility ?? 'public') as RoomRow,
        ),
      ),
    );
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    const database = this.#database;
    return database.write(() => {
      const existing = this.#room(direct.id);
      if (existing) return { room: existing, created: false };
      database
        .prepare("INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, 'direct', NULL, ?, ?)")
        .run(direct.id, direct.userIds[0], direct.createdAt);
      const addMember = database.prepare('INSERT INTO memberships (room_id, user_id, joined_at) VALUES (?, ?, ?)');
      for (const userId of direct.userIds) addMember.run(direct.id, userId, direct.createdAt);
      return { room: this.#room(direct.id)!, created: true };
    });
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const database = this.#database;
    return database.write(() => {
      const existing = this.#membership(roomId, userId);
      if (existing) return { membership: existing, event: null };
      const seq = this.#events.nextSeq(roomId);
      // A new member has read everything up to their own arrival.
      database
        .prepare('INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES (?, ?, ?, ?)')
        .run(roomId, userId, at, seq);
      this.#events.insert(roomId, seq, 'memberJoined', at, null, userId);
      return { membership: this.#membership(roomId, userId)!, event: this.#events.read(roomId, seq) };
    });
  }

  /** Synchronous: the store forgets the member's pending read marker (read-markers.ts) along with it. */
  removeMember(roomId: RoomId, userId: UserId, at: number): MembershipResult {
    const database = this.#database;
    return database.write(() => {
      const { changes } = database
        .prepare('DELETE FROM memberships WHERE room_id = ? AND user_id = ?')
        .run(roomId, userId);
      if (changes === 0) return { membership: null, event: null };
      const seq = this.#events.nextSeq(roomId);
      this.#events.insert(roomId, seq, 'memberLeft', at, null, userId);
      return { membership: null, event: this.#events.read(roomId, seq) };
    });
  }

  async setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, { field: 'topic', value: topic }, { type: 'topicChanged', topic }, by, at);
  }

  async renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, { field: 'name', value: name }, { type: 'roomRenamed', detail: name }, by, at);
  }

  async setRoomVisibility(
    roomId: RoomId,
    visibility: RoomVisibility,
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    const event = { type: 'visibilityChanged', visibility } as const;
    return this.#changeRoom(roomId, { field: 'visibility', value: visibility }, event, by, at);
  }

  async setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    const database = this.#database;
    return database.write(() => {
      if (!this.#room(roomId)) throw new ChatError('ROOM_NOT_FOUND');
      const membership = this.#membership(roomId, userId);
      if (!membership) throw new ChatError('MEMBER_NOT_FOUND');
      if (membership.role === role) return null;
      const seq = this.#events.nextSeq(roomId);
      database.prepare('UPDATE memberships SET role = ? WHERE room_id = ? AND user_id = ?').run(role, roomId, userId);
      this.#events.insert(roomId, seq, 'memberRoleChanged', at, null, userId, null, null, role);
      return this.#events.read(roomId, seq);
    });
  }

  async setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    const event = { type: 'readOnlyChanged', detail: readOnly ? 'on' : 'off' } as const;
    return this.#changeRoom(roomId, { field: 'readOnly', value: readOnly }, event, by, at);
  }

  async banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    const database = this.#database;
    database.write(() => database.prepare(database.sql.banFromRoom).run(roomId, userId, at));
  }

  async liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    const database = this.#database;
    return database.write(() => database.prepare(database.sql.liftRoomBan).get(roomId, userId) !== undefined);
  }

  /**
   * Sets one field of a `room`-kind room and appends its event naming `by`, with what the
   * event keeps (`topic`, `visibility` or `detail`); `null` (nothing written) when the room
   * already had it. Rejects with ROOM_NOT_FOUND (also a direct conversation), and with
   * ROOM_NAME_TAKEN for a name another room has (the unique index).
   */
  #changeRoom<F extends 'topic' | 'name' | 'visibility' | 'readOnly'>(
    roomId: RoomId,
    setting: { field: F; value: Room[F] },
    event: { type: RoomEvent['type']; topic?: string | null; visibility?: RoomVisibility; detail?: string },
    by: UserId,
    at: number,
  ): RoomEvent | null {
    const { field, value } = setting;
    const database = this.#database;
    return database.write(() => {
      const room = this.#room(roomId);
      if (room?.kind !== 'room') throw new ChatError('ROOM_NOT_FOUND');
      if (room[field] === value) return null;
      const seq = this.#events.nextSeq(roomId);
      const update = database.prepare(`UPDATE rooms SET ${ROOM_SETTING_COLUMNS[field]} = ? WHERE id = ?`);
      const stored = typeof value === 'boolean' ? Number(value) : value;
      if (field === 'name') claimName('ROOM_NAME_TAKEN', () => update.run(stored, roomId));
      else update.run(stored, roomId);
      const { type, topic = null, visibility = null, detail = null } = event;
      this.#events.insert(roomId, seq, type, at, null, by, topic, visibility, detail);
      return this.#events.read(roomId, seq);
    });
  }

  // Reads inside a write, synchronous so the transaction stays one.

  #room(id: RoomId): Room | undefined {
    const row = this.#database.prepare(this.#database.sql.roomById).get(id) as RoomRow | undefined;
    return row && toRoom(row);
  }

  #membership(roomId: RoomId, userId: UserId): Membership | undefined {
    const row = this.#database.prepare(this.#database.sql.membership).get(roomId, userId) as MembershipRow | undefined;
    return row && toMembership(row);
  }
}
