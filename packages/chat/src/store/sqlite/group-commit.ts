/**
 * The group commit of the SQLite writes a busy room makes per message (sends,
 * thread replies, the replier's thread read position): the writes of one
 * event-loop turn share one transaction, so one fsync makes them all durable
 * before any is resolved, instead of one fsync per write; that fsync runs off
 * the event loop (wal-sync.ts) and covers every turn committed while the
 * previous one ran.
 *
 *   add ─▶ the turn's batch ─▶ setImmediate: one transaction (each write, then the search index)
 *       ─▶ the WAL synced off the event loop ─▶ each write resolved, in the batch's order
 *
 * A write that fails fails alone: the batch is first written as it is, and only
 * when one of its writes throws is that transaction rolled back and the batch
 * written again with each write in a savepoint of its own (a savepoint per
 * write on every batch cost a few percent of the send path). The batch's new
 * messages are indexed for search at its end (search.ts).
 */
import type { MessageId } from '../../domain/types.ts';
import type { SqliteSearch } from './search.ts';
import { type SqliteDatabase, storeError } from './sqlite-database.ts';

/** The message a send or a reply stored, `null` for a retry (it stored nothing). */
export function createdMessageId(result: { created: boolean; message: { id: MessageId } }): MessageId | null {
  return result.created ? result.message.id : null;
}

/** What became of one write of a group commit. */
type Outcome = { ok: true; result: unknown } | { ok: false; error: Error };

interface PendingWrite {
  write: () => unknown;
  /** The message the write created, to index for search; `null` when it created none. */
  created: (result: unknown) => MessageId | null;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

export class SqliteGroupCommit {
  readonly #database: SqliteDatabase;
  readonly #search: SqliteSearch;
  /** Writes waiting for this event-loop turn's group commit. */
  #pending: PendingWrite[] = [];
  /**
   * One write in a savepoint (better-sqlite3 nests a transaction as one), so a failure
   * undoes only that write of a group commit written again. Made once: wrapping is not free.
   */
  readonly #inSavepoint: (write: () => unknown) => unknown;

  constructor(database: SqliteDatabase, search: SqliteSearch) {
    this.#database = database;
    this.#search = search;
    this.#inSavepoint = database.transaction((write: () => unknown) => write());
  }

  /**
   * Joins this turn's group commit with `write` (run inside its transaction, so
   * under the write lock), and resolves with its result once the batch is durable.
   * `created` names the message the write made, for the search index
   * (`createdMessageId` for a send or a reply); by default it made none.
   */
  add<T>(write: () => T, created: (result: T) => MessageId | null = () => null): Promise<T> {
    return new Promise((resolve, reject) => {
      const pending: PendingWrite = {
        write,
        created: created as (result: unknown) => MessageId | null,
        resolve: resolve as (result: unknown) => void,
        reject,
      };
      if (this.#pending.push(pending) === 1) setImmediate(this.commitPending);
    });
  }

  /** Writes what waits for the group commit now (at the end of its turn, or at close). */
  readonly commitPending = (): void => {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let outcomes: Outcome[];
    const database = this.#database;
    const indexed = (outcomes: Outcome[]): Outcome[] => {
      this.#search.indexNewMessages(
        outcomes.flatMap((outcome, index) => {
          const id = outcome.ok ? (batch[index] as PendingWrite).created(outcome.result) : null;
          return id === null ? [] : [id];
        }),
      );
      return outcomes;
    };
    try {
      try {
        outcomes = database.writeSyncedLater(() => indexed(batch.map(({ write }) => ({ ok: true, result: write() }))));
      } catch {
        outcomes = database.writeSyncedLater(() => indexed(batch.map(({ write }) => this.#isolated(write))));
      }
    } catch (error) {
      for (const pending of batch) pending.reject(storeError(error));
      return;
    }
    const durable = database.whenDurable();
    batch.forEach((pending, index) => {
      const outcome = outcomes[index] as Outcome;
      if (!outcome.ok) pending.reject(outcome.error);
      else if (!durable) pending.resolve(outcome.result);
      else durable.then(() => pending.resolve(outcome.result), pending.reject);
    });
  };

  /** One write of a batch written again after a failure: in its savepoint, so it fails alone. */
  #isolated(write: () => unknown): Outcome {
    try {
      return { ok: true, result: this.#inSavepoint(write) };
    } catch (error) {
      return { ok: false, error: storeError(error) };
    }
  }
}
