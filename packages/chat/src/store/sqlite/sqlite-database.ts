/**
 * The SQLite store's database, which every part of the store shares: the
 * better-sqlite3 handle (opened with the store's pragmas, migrated), its prepared
 * statements, the reads and writes a part runs, and the rule that turns a driver
 * failure into the port's STORE_UNAVAILABLE.
 *
 * better-sqlite3 is synchronous, so a part does the whole of a write inside one
 * call of a write helper, and the transaction stays one:
 * - `write`: one `BEGIN IMMEDIATE` transaction, durable once it returns.
 * - `writeSyncedLater`: committed without a sync, which `WalSync` runs off the
 *   event loop (`whenDurable`); for the group commit of message appends.
 * - `writeUnpublished`: a write that publishes nothing, resolved once durable.
 * - `ephemeral`: a change of the in-memory tables, which takes no file lock.
 */
import Database from 'better-sqlite3';
import { ChatError } from '../../domain/errors.ts';
import type { SqlStatements } from '../sql/statements.ts';
import { ephemeralTables, migrations } from './migrations.ts';
import { WalSync } from './wal-sync.ts';

/** How the database is opened: `SqliteChatStoreOptions` (sqlite-chat-store.ts) documents each setting. */
export interface SqliteDatabaseSettings {
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
}

export class SqliteDatabase {
  /** The statements both SQL stores run (sql/statements.ts), in SQLite's spelling. */
  readonly sql: SqlStatements;
  readonly #db: Database.Database;
  readonly #prepared = new Map<string, Database.Statement>();
  /** Runs its argument in a transaction; made once: wrapping is not free. */
  readonly #inTransaction: Database.Transaction<(work: () => unknown) => unknown>;
  /** With `synchronous = FULL` on a file in WAL mode: the off-loop sync that makes appends durable. */
  readonly #walSync: WalSync | undefined;
  /**
   * The reads of the send path (who the sender is, the room, the membership, the
   * rate limit): they show no message or event to a client, so they need not wait
   * for the appends' sync (`query`). A room read here may carry a `lastSeq` whose
   * sync is still running; the use cases that answer with it read the events too.
   */
  readonly #blindToAppends: ReadonlySet<string>;

  /** Sets the store's pragmas on `db`, the open database `file`, migrates it and creates its in-memory tables. */
  constructor(db: Database.Database, file: string, settings: SqliteDatabaseSettings, sql: SqlStatements) {
    this.sql = sql;
    this.#blindToAppends = new Set([
      sql.userById,
      sql.sessionById,
      sql.roomById,
      sql.membership,
      sql.memberContext,
      sql.liveCounter,
      sql.connectionById,
      sql.userConnections,
      sql.roomConnections,
    ]);
    this.#db = db;
    this.#inTransaction = db.transaction((work: () => unknown) => work());
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(settings.busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${settings.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    migrate(db);
    db.exec(ephemeralTables);
    const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
    this.#walSync = settings.synchronous === 'FULL' && wal ? new WalSync(file, storeError) : undefined;
  }

  /** False once closed. */
  get open(): boolean {
    return this.#db.open;
  }

  /** Closes the database (checkpointing the WAL), after settling what the appends committed. */
  close(): void {
    this.#walSync?.close();
    this.#db.close();
  }

  /** The prepared statement of `source`, prepared once. */
  prepare(source: string): Database.Statement {
    let statement = this.#prepared.get(source);
    if (!statement) {
      statement = this.#db.prepare(source);
      this.#prepared.set(source, statement);
    }
    return statement;
  }

  /**
   * Wraps `work` as a transaction function (better-sqlite3's `transaction`): called
   * inside another transaction, it runs in a savepoint of its own. Make it once: wrapping is not free.
   */
  transaction<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R {
    return this.#db.transaction(work);
  }

  /** One read, outside any transaction (WAL gives it a consistent snapshot), with errors translated. */
  async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    // A read that could show a client an append whose sync is still running waits for it.
    if (this.#walSync?.pending && !this.#blindToAppends.has(text)) await this.#walSync.whenDurable();
    try {
      return this.prepare(text).all(...values) as R[];
    } catch (error) {
      throw storeError(error);
    }
  }

  /** One statement as a write of its own, and its rows (`RETURNING`). */
  async writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    return this.write(() => {
      const statement = this.prepare(text);
      if (statement.reader) return statement.all(...values) as R[];
      statement.run(...values);
      return [];
    });
  }

  /** Runs a write as one `BEGIN IMMEDIATE` transaction (takes the write lock up front, so no upgrade deadlock). */
  write<T>(work: () => T): T {
    let result: T;
    try {
      result = this.#inTransaction.immediate(work) as T;
    } catch (error) {
      throw storeError(error);
    }
    // Appends committed before this write are made durable first, so that what this write
    // publishes never overtakes them (and its sequence number never precedes a lost one).
    this.#walSync?.syncNow();
    return result;
  }

  /**
   * Runs a write as one `BEGIN IMMEDIATE` transaction committed without a sync,
   * which `WalSync` then runs off the event loop (`whenDurable` says when it is
   * done); as `write` without a `WalSync`.
   */
  writeSyncedLater<T>(work: () => T): T {
    if (!this.#walSync) return this.write(work);
    try {
      return this.#withoutCommitSync(work);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Runs `work` as one write transaction committed without a sync; `WalSync` makes it durable. */
  #withoutCommitSync<T>(work: () => T): T {
    this.prepare('PRAGMA synchronous = NORMAL').run();
    let result: T;
    try {
      result = this.#inTransaction.immediate(work) as T;
    } finally {
      this.prepare('PRAGMA synchronous = FULL').run();
    }
    this.#walSync?.committed();
    return result;
  }

  /**
   * A write that publishes nothing, so it may not overtake anything: committed
   * without a sync, like the appends, and resolved once `WalSync` has made it
   * durable off the event loop (at once without a `WalSync`, as `write`).
   */
  async writeUnpublished<T>(work: () => T): Promise<T> {
    const walSync = this.#walSync;
    if (!walSync) return this.write(work);
    const result = this.writeSyncedLater(work);
    await walSync.whenDurable();
    return result;
  }

  /** Resolves once every commit so far is durable; `undefined` without a `WalSync` (a commit is durable at once). */
  whenDurable(): Promise<void> | undefined {
    return this.#walSync?.whenDurable();
  }

  /**
   * Runs a change of the in-memory tables as one (deferred) transaction: it takes
   * no lock on the database file and syncs nothing.
   */
  ephemeral<T>(work: () => T): T {
    try {
      return this.#inTransaction(work) as T;
    } catch (error) {
      throw storeError(error);
    }
  }
}

/** Runs `insert`, an insert whose constraint failures mean the name it adds is taken: they become `code`. */
export function claimName<T>(code: 'USERNAME_TAKEN' | 'ROOM_NAME_TAKEN', insert: () => T): T {
  try {
    return insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw new ChatError(code, undefined, { cause: error });
    throw error;
  }
}

/** The port's error for a failure: a `ChatError` as it is, any other (the driver's) as STORE_UNAVAILABLE. */
export function storeError(error: unknown): Error {
  if (error instanceof ChatError) return error;
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT');
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(
      `The chat database has schema version ${version}, newer than this code knows (${migrations.length}). Upgrade the chat.`,
    );
  }
  db.transaction(() => {
    for (let next = version; next < migrations.length; next++) {
      db.exec(migrations[next]!);
      db.pragma(`user_version = ${next + 1}`);
    }
  }).immediate();
}
