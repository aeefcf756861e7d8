/**
 * Message appends on SQLite, group-committed: the appends of one event-loop turn
 * share one transaction, so one fsync makes them all durable before any is
 * acknowledged, instead of one fsync per message; that fsync runs off the event
 * loop (wal-sync.ts) and covers every turn committed while the previous one ran.
 *
 *   appendMessage ─▶ the turn's batch ─▶ setImmediate: one transaction (each append, then the search index)
 *                 ─▶ the WAL synced off the event loop ─▶ each append resolved
 *
 * An append that fails fails alone: the batch is first written as it is, and only
 * when one of its appends throws is that transaction rolled back and the batch
 * written again with each append in a savepoint of its own (a savepoint per
 * append on every batch cost a few percent of the send path). The batch's new
 * messages are indexed for search at its end (search.ts).
 */
import type { AppendResult, NewMessage } from '../../ports/chat-store.ts';
import { appendResult, newMessage } from '../new-message.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import type { SqliteMentions } from './mentions.ts';
import type { SqliteRoomEvents } from './room-events.ts';
import type { SqliteSearch } from './search.ts';
import { type SqliteDatabase, storeError } from './sqlite-database.ts';

/** What became of one append of a group commit. */
type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

export class SqliteMessageAppends {
  readonly #database: SqliteDatabase;
  readonly #events: SqliteRoomEvents;
  readonly #mentions: SqliteMentions;
  readonly #search: SqliteSearch;
  /** Appends waiting for this event-loop turn's group commit. */
  #pending: {
    message: NewMessage;
    resolve: (result: AppendResult) => void;
    reject: (error: Error) => void;
  }[] = [];
  /**
   * One append in a savepoint (better-sqlite3 nests a transaction as one), so a failure
   * undoes only that append of a group commit written again. Made once: wrapping is not free.
   */
  readonly #appendInSavepoint: (message: NewMessage) => AppendResult;

  constructor(database: SqliteDatabase, events: SqliteRoomEvents, mentions: SqliteMentions, search: SqliteSearch) {
    this.#database = database;
    this.#events = events;
    this.#mentions = mentions;
    this.#search = search;
    this.#appendInSavepoint = database.transaction((message: NewMessage) => this.#appendOne(message));
  }

  /** Joins this turn's group commit, and resolves once its batch is durable. */
  async appendMessage(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ message, resolve, reject }) === 1) setImmediate(this.commitPending);
    });
  }

  /** Writes the appends waiting for the group commit now (at the end of their turn, or at close). */
  readonly commitPending = (): void => {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let outcomes: AppendOutcome[];
    const database = this.#database;
    const indexed = (outcomes: AppendOutcome[]): AppendOutcome[] => {
      this.#search.indexNewMessages(
        outcomes.flatMap((outcome) => (outcome.ok && outcome.result.created ? [outcome.result.message.id] : [])),
      );
      return outcomes;
    };
    try {
      try {
        outcomes = database.writeSyncedLater(() =>
          indexed(batch.map(({ message }) => ({ ok: true, result: this.#appendOne(message) }))),
        );
      } catch {
        outcomes = database.writeSyncedLater(() => indexed(batch.map(({ message }) => this.#appendIsolated(message))));
      }
    } catch (error) {
      for (const pending of batch) pending.reject(storeError(error));
      return;
    }
    const durable = database.whenDurable();
    batch.forEach((pending, index) => {
      const outcome = outcomes[index] as AppendOutcome;
      if (!outcome.ok) pending.reject(outcome.error);
      else if (!durable) pending.resolve(outcome.result);
      else durable.then(() => pending.resolve(outcome.result), pending.reject);
    });
  };

  /** One append of a batch being written again after a failure: in its savepoint, so it fails alone. */
  #appendIsolated(message: NewMessage): AppendOutcome {
    try {
      return { ok: true, result: this.#appendInSavepoint(message) };
    } catch (error) {
      return { ok: false, error: storeError(error) };
    }
  }

  #appendOne(message: NewMessage): AppendResult {
    const database = this.#database;
    if (message.clientMessageId !== null) {
      const existing = database
        .prepare(database.sql.messageByClientId)
        .get(message.roomId, message.authorId, message.clientMessageId) as MessageRow | undefined;
      if (existing) return appendResult(toMessage(existing), false);
    }
    const seq = this.#events.nextSeq(message.roomId);
    database
      .prepare(
        `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at, mentions,
         attachments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        message.id,
        message.roomId,
        seq,
        message.authorId,
        message.authorName,
        message.text,
        message.clientMessageId,
        message.at,
        message.mentions ? JSON.stringify(message.mentions) : null,
        JSON.stringify(message.attachments ?? []),
      );
    this.#mentions.insert(message, seq);
    this.#events.insert(message.roomId, seq, 'message', message.at, message.id, null);
    return appendResult(newMessage(message, seq), true);
  }
}
