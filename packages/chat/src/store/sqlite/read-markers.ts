/**
 * Read markers on SQLite, off the write path: a `markRead` moves the member's
 * marker in memory (forward only, capped at the room's last message), and the
 * markers waiting are written together in one transaction every
 * `readMarkerFlushMs` and at close. A looping client that sends `markRead` costs
 * no fsync per frame, so it cannot stall the event loop (better-sqlite3 is
 * synchronous) for everyone else; a crash loses at most that much of read
 * progress, never a message.
 *
 * Every read of the store sees a pending marker at once: the store passes the
 * memberships and room views it reads through this part (`withPendingMembership`,
 * `withPendingRead`), which also counts the unread messages from the marker.
 */
import type { Membership, RoomId, UserId, UserRoom } from '../../domain/types.ts';
import type { ChatStore } from '../../ports/chat-store.ts';
import { inTimeline } from '../sql/statements.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteReadMarkers {
  readonly #database: SqliteDatabase;
  readonly #reads: Pick<ChatStore, 'getUserRoom'>;
  /** Read markers not written yet, by `readKey`: the highest `seq` asked for (already capped). */
  readonly #pending = new Map<string, { roomId: RoomId; userId: UserId; seq: number }>();
  readonly #flushMs: number;
  #flushTimer: NodeJS.Timeout | undefined;

  /** `reads`: the store, whose `getUserRoom` answers with the pending marker. */
  constructor(database: SqliteDatabase, flushMs: number, reads: Pick<ChatStore, 'getUserRoom'>) {
    this.#database = database;
    this.#flushMs = Math.max(0, flushMs);
    this.#reads = reads;
  }

  /**
   * Moves the marker in memory (see `readMarkerFlushMs`); the answer and every
   * read of this store see it at once.
   */
  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    const view = await this.#reads.getUserRoom(userId, roomId);
    if (!view) return undefined;
    const target = Math.min(seq, view.room.lastSeq);
    if (target <= view.membership.lastReadSeq) return view;
    this.#pending.set(readKey(roomId, userId), { roomId, userId, seq: target });
    this.#flushTimer ??= setTimeout(this.flush, this.#flushMs);
    return this.withPendingRead(view);
  }

  async markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    // The marker is the stored one or, further on, one still waiting for its flush.
    const key = readKey(roomId, userId);
    const pending = this.#pending.get(key)?.seq ?? 0;
    const database = this.#database;
    database.write(() =>
      database
        .prepare(
          'UPDATE memberships SET last_read_seq = ? WHERE room_id = ? AND user_id = ? AND max(last_read_seq, ?) > ?',
        )
        .run(seq, roomId, userId, pending, seq),
    );
    // A waiting marker past `seq` would move it forward again at the flush.
    if (pending > seq) this.#pending.delete(key);
    return this.#reads.getUserRoom(userId, roomId);
  }

  /** Drops the member's pending marker: they left the room, so there is no membership to write it to. */
  forget(roomId: RoomId, userId: UserId): void {
    this.#pending.delete(readKey(roomId, userId));
  }

  /** Writes the pending read markers in one transaction (forward only); on failure they wait for the next try. */
  readonly flush = (): void => {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.size === 0 || !this.#database.open) return;
    const batch = [...this.#pending.values()];
    this.#pending.clear();
    const database = this.#database;
    try {
      database.write(() => {
        const update = database.prepare(
          'UPDATE memberships SET last_read_seq = max(last_read_seq, ?) WHERE room_id = ? AND user_id = ?',
        );
        for (const { roomId, userId, seq } of batch) update.run(seq, roomId, userId);
      });
    } catch {
      // The markers stay in memory (reads still see them) and go with the next flush.
      for (const read of batch) {
        const key = readKey(read.roomId, read.userId);
        if ((this.#pending.get(key)?.seq ?? 0) < read.seq) this.#pending.set(key, read);
      }
      this.#flushTimer = setTimeout(this.flush, this.#flushMs);
    }
  };

  /** The stored membership with its pending read marker. */
  withPendingMembership(roomId: RoomId, userId: UserId, membership: Membership | undefined): Membership | undefined {
    const pending = this.#pending.get(readKey(roomId, userId));
    return membership && pending ? { ...membership, lastReadSeq: pending.seq } : membership;
  }

  /** The view with its pending read marker, and the unread count from there. */
  withPendingRead(view: UserRoom): UserRoom {
    const pending = this.#pending.get(readKey(view.room.id, view.membership.userId));
    if (!pending || pending.seq <= view.membership.lastReadSeq) return view;
    const { n } = this.#database
      .prepare(
        `SELECT count(*) AS n FROM messages
       WHERE room_id = ? AND seq > ? AND deleted_at IS NULL AND author_id <> ? AND ${inTimeline('messages')}`,
      )
      .get(view.room.id, pending.seq, view.membership.userId) as { n: number };
    return { ...view, membership: { ...view.membership, lastReadSeq: pending.seq }, unread: n };
  }
}

function readKey(roomId: RoomId, userId: UserId): string {
  return `${roomId}\n${userId}`;
}
