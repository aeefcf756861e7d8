/**
 * The PostgreSQL store's access to its database, shared by every part of the
 * store: the `pg` pool and how it is opened, one statement on its own
 * (`query`), a transaction on one connection (`transaction`), the room's
 * sequence bump (`nextSeq`), and the error rule of them all.
 *
 * - Errors: unique violations become the domain's errors; anything else the
 *   database or the network does (refused or lost connections, timeouts) is
 *   `STORE_UNAVAILABLE`, and the chat never acknowledges on it.
 * - Availability: while the database is down, requests are refused at once but
 *   for one that probes it (store/availability.ts); every answer or outage is
 *   reported there.
 * - Timeouts: each statement has a client-side timeout (`queryTimeoutMs`) as
 *   well as the server's `statement_timeout`; a connection that timed out or
 *   was lost is destroyed, not returned to the pool.
 */
import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { Client, type ClientConfig, DatabaseError, Pool, types } from 'pg';
import { ChatError } from '../../domain/errors.ts';
import type { RoomId } from '../../domain/types.ts';
import type { StoreAvailability } from '../availability.ts';
import type { SqlDialect, SqlStatements } from '../sql/statements.ts';
import { migrate, SchemaTooNewError } from './migrations.ts';
import type { PostgresSettings } from './store-options.ts';

/**
 * PostgreSQL's spelling of the shared statements: numbered `$n` parameters;
 * names compared through `lower()`, as the unique indexes are; text sorted by
 * code point (`COLLATE "C"`), whatever the database's locale.
 */
export const postgresDialect: SqlDialect = {
  param: (n) => `$${n}`,
  sameName: (column, value) => `lower(${column}) = lower(${value})`,
  textOrder: ' COLLATE "C"',
};

/** A transaction in progress (see `PostgresDatabase.transaction`). */
export interface Transaction {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Marks the transaction to roll back instead of committing, and returns `value` for the work to return. */
  rollback<T>(value: T): T;
}

/**
 * Opens the pool and migrates the schema. Rejects with `STORE_UNAVAILABLE` when
 * the database cannot be reached, with `SchemaTooNewError` when a newer chat
 * has migrated it, and with a `TypeError` for a schema name that is not safe in
 * `search_path`.
 */
export async function openPool(settings: PostgresSettings): Promise<Pool> {
  if (settings.schema !== undefined && !SCHEMA_NAME.test(settings.schema)) {
    throw new TypeError(`Invalid schema name ${JSON.stringify(settings.schema)}: use a-z, 0-9 and "_", up to 63.`);
  }
  const { connectTimeoutMs } = settings;
  const pool = new Pool({
    // pg uses one option for the wait in the pool's queue and for opening a connection:
    // each connection gets its own, shorter, so a partitioned server is noticed quickly
    // while a busy pool may still queue requests for longer.
    Client: class extends Client {
      constructor(config?: ClientConfig) {
        super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
      }
    },
    connectionString: settings.connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectionTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    application_name: settings.applicationName,
    // A startup parameter, so every new connection has it without an extra round trip.
    options: settings.schema === undefined ? undefined : `-c search_path=${settings.schema}`,
    // Server-side bounds (migrations lift the statement one for their own session).
    statement_timeout: settings.queryTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    // Notice a silently dropped server (a partition, a dead host) on idle connections too.
    keepAlive: true,
    types: { getTypeParser },
  });
  // An idle connection failed (the server restarted, the network dropped). The pool
  // has discarded it; the next request opens a new one or reports STORE_UNAVAILABLE.
  // Without a listener the 'error' event would crash the process.
  pool.on('error', () => {});
  try {
    await migrate(pool, settings.schema);
  } catch (error) {
    await pool.end();
    throw error instanceof SchemaTooNewError ? error : storeError(error);
  }
  return pool;
}

export class PostgresDatabase {
  /** The shared statements in PostgreSQL's spelling: the store's own, which its reads run too. */
  readonly sql: SqlStatements;
  readonly #pool: Pool;
  readonly #queryTimeoutMs: number;
  readonly #availability: StoreAvailability;

  constructor(pool: Pool, sql: SqlStatements, queryTimeoutMs: number, availability: StoreAvailability) {
    this.#pool = pool;
    this.sql = sql;
    this.#queryTimeoutMs = queryTimeoutMs;
    this.#availability = availability;
  }

  /** Closes every connection. Nothing may use the database afterwards. */
  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * One statement on any pooled connection (atomic on its own), with errors
   * translated. A statement that times out fails its connection, which the pool
   * then discards.
   */
  async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    this.#admit();
    try {
      const { rows } = await this.#pool.query(timed(text, [...values], this.#queryTimeoutMs));
      this.#availability.answered();
      return rows as R[];
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /**
   * Runs `work` in a transaction on one connection and commits it, unless the
   * work returns through `tx.rollback` (a write that turned out to be a no-op).
   * An error rolls back; a connection that failed is destroyed, not reused.
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#admit();
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#failure(error);
    }
    const run = async (text: string, values?: unknown[]) =>
      (await client.query(timed(text, values, this.#queryTimeoutMs))).rows;
    let commit = true;
    const tx: Transaction = {
      query: run,
      rollback: (value) => {
        commit = false;
        return value;
      },
    };
    try {
      await run('BEGIN');
      const result = await work(tx);
      await run(commit ? 'COMMIT' : 'ROLLBACK');
      client.release();
      this.#availability.answered();
      return result;
    } catch (error) {
      // After a timeout or a lost connection nothing would answer a ROLLBACK: destroy the
      // connection at once. Its transaction never commits: the server rolls back a session
      // that ends, or that stays idle in its transaction (idleInTransactionTimeoutMs). If the
      // COMMIT itself was sent, it may have committed: a retried send then answers duplicate.
      const rolledBack =
        !isOutage(error) &&
        (await run('ROLLBACK').then(
          () => true,
          () => false,
        ));
      client.release(!rolledBack);
      throw this.#failure(error);
    }
  }

  /**
   * Bumps and returns the room's sequence number (`undefined` for an unknown
   * room), taking the room's row lock until the transaction ends.
   */
  async nextSeq(tx: Transaction, roomId: RoomId): Promise<number | undefined> {
    const [row] = await tx.query<{ last_seq: number }>(this.sql.nextSeq, [roomId]);
    return row?.last_seq;
  }

  /** Takes the room's row lock until the transaction ends, as the sequence bump does; false for an unknown room. */
  async lockRoom(tx: Transaction, roomId: RoomId): Promise<boolean> {
    const rows = await tx.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [roomId]);
    return rows.length > 0;
  }

  /** Refuses at once while the database is down, but for the one request that probes it (store/availability.ts). */
  #admit(): void {
    if (!this.#availability.admit()) {
      throw new ChatError('STORE_UNAVAILABLE', undefined, {
        cause: new Error('The database stopped answering; another request is finding out whether it is back.'),
      });
    }
  }

  /** The error to throw for a failed request, noting whether the database answered it. */
  #failure(error: unknown): ChatError {
    if (isOutage(error)) this.#availability.unreachable(error);
    else this.#availability.answered();
    return storeError(error);
  }
}

/**
 * A failure to reach the database in time, rather than an answer from it:
 * timeouts, refused or lost connections, and the server's own connection,
 * shutdown and resource errors (SQLSTATE classes 08, 57, 53).
 */
export function isOutage(error: unknown): boolean {
  if (error instanceof ChatError) return false;
  if (!(error instanceof DatabaseError)) return true;
  return ['08', '57', '53'].includes(error.code?.slice(0, 2) ?? '');
}

/** The port's error for a failure: the domain's error of a unique index a caller can hit, else STORE_UNAVAILABLE. */
export function storeError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (error instanceof DatabaseError && error.code === UNIQUE_VIOLATION && error.constraint) {
    const code = UNIQUE_ERRORS[error.constraint];
    if (code) return new ChatError(code, undefined, { cause: error });
  }
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}

/** `[a-z_][a-z0-9_]*` up to PostgreSQL's 63-byte identifier limit: safe unquoted in `search_path`. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** SQLSTATE of a unique violation, and the domain error of each unique index a caller can hit. */
const UNIQUE_VIOLATION = '23505';
const UNIQUE_ERRORS: Record<string, 'USERNAME_TAKEN' | 'ROOM_NAME_TAKEN'> = {
  users_username_key: 'USERNAME_TAKEN',
  rooms_name_key: 'ROOM_NAME_TAKEN',
};

/**
 * A statement with a client-side timeout: pg rejects the query after `ms` (its
 * `query_timeout`, read per query by pg's client, which its type definitions
 * leave out), and the caller discards the connection.
 */
function timed(text: string, values: unknown[] | undefined, ms: number): QueryConfig {
  const config: QueryConfig & { query_timeout: number } = { text, values, query_timeout: ms };
  return config;
}

/**
 * `bigint` columns and `count(*)` as numbers, not the strings `pg` gives by
 * default: they hold times in milliseconds, sequence numbers and counts, all
 * far below 2^53. Set on this pool only, never on `pg`'s global parsers.
 */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === types.builtins.INT8) return Number;
  return types.getTypeParser(oid, format);
}
