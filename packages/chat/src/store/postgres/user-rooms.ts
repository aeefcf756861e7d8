/**
 * A member's own state of a room on PostgreSQL: the read marker (a column of
 * the membership) and the room's notification settings. A read marker moves
 * with one conditional `UPDATE` that matches no row when it would not move, so
 * a repeated mark writes no row version: a read receipt costs a write only
 * when the marker moves.
 */
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { RoomId, UserId, UserRoom } from '../../domain/types.ts';
import type { ChatStore } from '../../ports/chat-store.ts';
import type { PostgresDatabase } from './postgres-database.ts';

/** The store's read the markers answer with (store/sql/sql-chat-store.ts). */
export type UserRoomReads = Pick<ChatStore, 'getUserRoom'>;

export class PostgresUserRooms {
  readonly #database: PostgresDatabase;
  readonly #reads: UserRoomReads;

  constructor(database: PostgresDatabase, reads: UserRoomReads) {
    this.#database = database;
    this.#reads = reads;
  }

  /** Moves the marker forward only; a marker that would not move writes no row version. */
  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.#database.query(
      `UPDATE memberships
       SET last_read_seq = least($3, (SELECT last_seq FROM rooms WHERE id = $1))
       WHERE room_id = $1 AND user_id = $2
         AND last_read_seq < least($3, (SELECT last_seq FROM rooms WHERE id = $1))`,
      [roomId, userId, seq],
    );
    return this.#reads.getUserRoom(userId, roomId);
  }

  async markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.#database.query(
      'UPDATE memberships SET last_read_seq = $3 WHERE room_id = $1 AND user_id = $2 AND last_read_seq > $3',
      [roomId, userId, seq],
    );
    return this.#reads.getUserRoom(userId, roomId);
  }

  async setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    await this.#database.query(this.#database.sql.setNotificationSettings, [
      userId,
      roomId,
      settings.level,
      settings.muted,
    ]);
  }
}
