/**
 * A room's sequence numbers and its events, as the SQLite store writes them:
 * every event-producing write bumps `rooms.last_seq` and inserts its event in the
 * same `BEGIN IMMEDIATE` transaction as the row it changes. SQLite's single writer
 * makes the numbers consecutive, also with several processes on the same file.
 * Each method runs inside a write (sqlite-database.ts), synchronously, so the
 * transaction stays one.
 */
import { ChatError } from '../../domain/errors.ts';
import type { MessageId, RoomEvent, RoomId, RoomVisibility, UserId } from '../../domain/types.ts';
import { type EventRow, toEvent } from '../sql/rows.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteRoomEvents {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** Bumps and returns the room's sequence number; rejects with ROOM_NOT_FOUND for an unknown room. */
  nextSeq(roomId: RoomId): number {
    const row = this.#database.prepare(this.#database.sql.nextSeq).get(roomId) as { last_seq: number } | undefined;
    if (!row) throw new ChatError('ROOM_NOT_FOUND');
    return row.last_seq;
  }

  insert(
    roomId: RoomId,
    seq: number,
    type: RoomEvent['type'],
    at: number,
    messageId: MessageId | null,
    userId: UserId | null,
    topic: string | null = null,
    visibility: RoomVisibility | null = null,
    detail: string | null = null,
  ): void {
    this.#database
      .prepare(
        'INSERT INTO events (room_id, seq, type, at, message_id, user_id, topic, visibility, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(roomId, seq, type, at, messageId, userId, topic, visibility, detail);
  }

  /** The event at `seq`, with its message or user. */
  read(roomId: RoomId, seq: number): RoomEvent {
    return toEvent(this.#database.prepare(this.#database.sql.eventAt).get(roomId, seq) as EventRow);
  }
}
