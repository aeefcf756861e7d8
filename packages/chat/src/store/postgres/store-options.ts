/** The PostgreSQL store's settings, with their defaults. */
import type { ChatLogger } from '../../domain/use-cases/context.ts';

export interface PostgresChatStoreOptions {
  /** @example 'postgres://chat@db.internal:5432/chat' */
  connectionString: string;
  /**
   * Schema that holds the chat's tables, created on open when missing (which
   * needs the CREATE privilege on the database) and set as the `search_path` of
   * every connection. Lower-case letters, digits and `_`.
   * @default the server's `search_path` (usually `public`)
   */
  schema?: string;
  /** Most connections the pool keeps open; requests beyond it wait for one. @default 10 */
  poolSize?: number;
  /**
   * How long a request waits for a connection (a free one, or a new one) before
   * failing with STORE_UNAVAILABLE. A request that gave up is dropped from the
   * pool's queue: it never runs later. @default 5000
   */
  connectionTimeoutMs?: number;
  /** How long opening a new connection may take (within `connectionTimeoutMs`). @default 2000 */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take: the client stops waiting (and discards the
   * connection) and the server cancels it (`statement_timeout`). Together with
   * `connectionTimeoutMs` it bounds how soon a partitioned database is reported
   * as STORE_UNAVAILABLE, well within API Gateway's 29 s integration timeout.
   * @default 2000
   */
  queryTimeoutMs?: number;
  /**
   * How long the server keeps a transaction whose client went silent before
   * rolling it back (`idle_in_transaction_session_timeout`): a transaction cut
   * off by a partition before its COMMIT never commits later, and its locks
   * (a room's sequence row) are freed. @default 5000
   */
  idleInTransactionTimeoutMs?: number;
  /** Where the store reports that the database stopped answering, and when it is back. @default nothing is reported */
  logger?: ChatLogger;
  /** How long an unused connection stays open. @default 30000 */
  idleTimeoutMs?: number;
  /** Shown in `pg_stat_activity`, to tell the chat's sessions apart. @default 'switchboard-chat' */
  applicationName?: string;
}

export const postgresChatStoreDefaults = {
  poolSize: 10,
  connectionTimeoutMs: 5000,
  connectTimeoutMs: 2000,
  queryTimeoutMs: 2000,
  idleInTransactionTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  applicationName: 'switchboard-chat',
} satisfies Omit<Required<PostgresChatStoreOptions>, 'connectionString' | 'schema' | 'logger'>;

/** The options with every default filled in: what opening the pool reads. */
export type PostgresSettings = PostgresChatStoreOptions & typeof postgresChatStoreDefaults;
