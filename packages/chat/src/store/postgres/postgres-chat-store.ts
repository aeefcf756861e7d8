/**
 * The cluster store: PostgreSQL through a `pg` connection pool, shared by every
 * node of a deployment.
 *
 * - Durability: a write resolves after its `COMMIT` returns, which with the
 *   server's default `synchronous_commit = on` means the WAL is flushed.
 * - Sequence numbers: each event-producing write is one transaction that first
 *   bumps `rooms.last_seq` (`UPDATE … RETURNING`). The bump takes the room row's
 *   lock, so a room's writers queue there, from any number of pools and nodes,
 *   and the numbers are consecutive; every such transaction locks the room
 *   before the rows it changes, so writers cannot deadlock each other.
 * - Idempotent appends: a unique constraint on (room, author, client message
 *   id) with `ON CONFLICT DO NOTHING`; a repeat rolls its bump back and answers
 *   the stored message.
 * - Search: a GIN-indexed `tsvector` column generated from words the store
 *   folds itself (store/search-text.ts), so matching and highlights
 *   follow the SQLite store's rules and user input is never query syntax.
 * - Errors: unique violations become the domain's errors; anything else the
 *   database or the network does (refused or lost connections, timeouts) is
 *   `STORE_UNAVAILABLE`, and the chat never acknowledges on it.
 * - Schema: versioned by `schema_migrations`, migrated on open under an
 *   advisory lock (store/postgres/migrations.ts).
 */
import type { PoolClient, QueryResultRow } from 'pg';
import { DatabaseError, Pool, types } from 'pg';
import { ChatError } from '../../domain/errors.ts';
import type {
  Connection,
  ConnectionId,
  MessageEvent,
  MessageId,
  Room,
  RoomEvent,
  RoomId,
  SearchHit,
  User,
  UserId,
  UserRoom,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type {
  AppendResult,
  ChatStore,
  ConnectionRemoval,
  CounterState,
  MembershipResult,
  NewDirect,
  NewMessage,
  NewRoom,
  NewUser,
  SearchQuery,
} from '../../ports/chat-store.ts';
import { searchQueryWords, searchSnippet, searchWords } from '../search-text.ts';
import {
  type ConnectionRow,
  type CounterRow,
  type MessageRow,
  type RoomRow,
  type SearchRow,
  toAppendResult,
  toConnection,
  toCounter,
  toMessage,
  toRoom,
  toSearchHit,
  toUser,
  type UserRow,
} from '../sql/rows.ts';
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import { MESSAGE_COLUMNS, ROOM_COLUMNS, SEARCH_HIT_COLUMNS, type SqlDialect } from '../sql/statements.ts';
import { migrate, SchemaTooNewError } from './migrations.ts';

export { SchemaTooNewError } from './migrations.ts';

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
  /** How long a request waits to connect (or for a free connection) before failing with STORE_UNAVAILABLE. @default 5000 */
  connectionTimeoutMs?: number;
  /** How long an unused connection stays open. @default 30000 */
  idleTimeoutMs?: number;
  /** Shown in `pg_stat_activity`, to tell the chat's sessions apart. @default 'switchboard-chat' */
  applicationName?: string;
}

const defaults = {
  poolSize: 10,
  connectionTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  applicationName: 'switchboard-chat',
} satisfies Omit<Required<PostgresChatStoreOptions>, 'connectionString' | 'schema'>;

/**
 * PostgreSQL's spelling of the shared statements: numbered `$n` parameters;
 * names compared through `lower()`, as the unique indexes are; text sorted by
 * code point (`COLLATE "C"`), whatever the database's locale.
 */
const dialect: SqlDialect = {
  param: (n) => `$${n}`,
  sameName: (column, value) => `lower(${column}) = lower(${value})`,
  textOrder: ' COLLATE "C"',
};

export class PostgresChatStore extends SqlChatStore implements ChatStore {
  readonly #pool: Pool;
  #closed = false;

  /**
   * Connects and migrates the schema. Rejects with `STORE_UNAVAILABLE` when the
   * database cannot be reached, and with `SchemaTooNewError` when a newer chat
   * has migrated it.
   * @example const store = await PostgresChatStore.open({ connectionString: process.env.DATABASE_URL! });
   */
  static async open(options: PostgresChatStoreOptions): Promise<PostgresChatStore> {
    const settings = { ...defaults, ...options };
    if (settings.schema !== undefined && !SCHEMA_NAME.test(settings.schema)) {
      throw new TypeError(`Invalid schema name ${JSON.stringify(settings.schema)}: use a-z, 0-9 and "_", up to 63.`);
    }
    const pool = new Pool({
      connectionString: settings.connectionString,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectionTimeoutMs,
      idleTimeoutMillis: settings.idleTimeoutMs,
      application_name: settings.applicationName,
      // A startup parameter, so every new connection has it without an extra round trip.
      options: settings.schema === undefined ? undefined : `-c search_path=${settings.schema}`,
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
    return new PostgresChatStore(pool);
  }

  private constructor(pool: Pool) {
    super(dialect);
    this.#pool = pool;
  }

  /** Waits for running requests and closes every connection. The store is unusable afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    // One statement, so the user and the credential are written together or not at all.
    await this.query(
      `WITH inserted AS (
         INSERT INTO users (id, username, guest, created_at) VALUES ($1, $2, $3, $4) RETURNING id
       )
       INSERT INTO credentials (user_id, password_hash) SELECT id, $5 FROM inserted WHERE $5::text IS NOT NULL`,
      [user.id, user.username, user.guest, user.createdAt, user.passwordHash ?? null],
    );
    return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    // One upsert decides the window atomically, however many nodes hit the key at once.
    // Beside it, a bounded sweep of expired counters that skips rows other requests hold.
    const [row] = await this.query<CounterRow>(
      `WITH expired AS (
         DELETE FROM counters WHERE key IN (
           SELECT key FROM counters WHERE reset_at <= $2 AND key <> $1 LIMIT 100 FOR UPDATE SKIP LOCKED
         )
       )
       INSERT INTO counters AS c (key, count, reset_at) VALUES ($1, 1, $2 + $3)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.reset_at <= $2 THEN 1 ELSE c.count + 1 END,
         reset_at = CASE WHEN c.reset_at <= $2 THEN excluded.reset_at ELSE c.reset_at END
       RETURNING count, reset_at`,
      [key, now, windowMs],
    );
    return toCounter(row!);
  }

  async resetCounter(key: string): Promise<void> {
    await this.query(this.sql.deleteCounter, [key]);
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    const [row] = await this.query<RoomRow>(this.sql.insertRoom, [room.id, room.name, room.createdBy, room.createdAt]);
    return toRoom(row!);
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    // One statement: two nodes opening the same pair at once create one room; the loser finds it.
    const [created] = await this.query<RoomRow>(
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
    return { room: (await this.getRoom(direct.id))!, created: false };
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const existing = await this.getMembership(roomId, userId);
    if (existing) return { membership: existing, event: null };
    const event = await this.#transaction(async (tx) => {
      const seq = await this.#nextSeq(tx, roomId);
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
    if (!event) return { membership: (await this.getMembership(roomId, userId)) ?? null, event: null };
    return { membership: { roomId, userId, joinedAt: at, lastReadSeq: event.seq }, event };
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const event = await this.#transaction(async (tx) => {
      // The room's lock comes first, as in every event-producing write (see the class doc).
      const seq = await this.#nextSeq(tx, roomId);
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

  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.query(
      `UPDATE memberships
       SET last_read_seq = greatest(last_read_seq, least($3, (SELECT last_seq FROM rooms WHERE id = $1)))
       WHERE room_id = $1 AND user_id = $2`,
      [roomId, userId, seq],
    );
    return this.getUserRoom(userId, roomId);
  }

  // Messages and events

  async appendMessage(message: NewMessage): Promise<AppendResult> {
    const created = await this.#transaction(async (tx) => {
      const seq = await this.#nextSeq(tx, message.roomId);
      if (seq === undefined) throw new ChatError('ROOM_NOT_FOUND');
      const [row] = await tx.query<MessageRow>(
        `WITH inserted AS (
           INSERT INTO messages AS m
             (id, room_id, seq, author_id, author_name, text, search_words, client_message_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (room_id, author_id, client_message_id) DO NOTHING
           RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
         )
         SELECT * FROM inserted`,
        [
          message.id,
          message.roomId,
          seq,
          message.authorId,
          message.authorName,
          message.text,
          searchWords(message.text),
          message.clientMessageId,
          message.at,
        ],
      );
      return row ?? tx.rollback(undefined);
    });
    if (created) return toAppendResult(created, true);
    // The client message id is taken: by an earlier send, or by a retry that another node committed first.
    const [row] = await this.query<MessageRow>(this.sql.messageByClientId, [
      message.roomId,
      message.authorId,
      message.clientMessageId,
    ]);
    return toAppendResult(row!, false);
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', 'text = $4, search_words = $5, edited_at = $2', [
      text,
      searchWords(text),
    ]);
  }

  async deleteMessage(messageId: MessageId, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', "text = '', search_words = '', deleted_at = $2", []);
  }

  // Search

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const words = searchQueryWords(query.terms);
    if (!words) return [];
    const rows = await this.query<SearchRow>(
      `SELECT ${SEARCH_HIT_COLUMNS}
       FROM messages m
       JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = $1
       JOIN rooms r ON r.id = m.room_id
       WHERE m.search @@ $2::tsquery AND m.deleted_at IS NULL AND ($3::text IS NULL OR m.room_id = $3)
       ORDER BY m.created_at DESC, m.room_id, m.seq DESC
       LIMIT $4`,
      [query.userId, prefixTsquery(words), query.roomId ?? null, query.limit],
    );
    return rows.map((row) => toSearchHit(row, searchSnippet(row.text, words)));
  }

  // Connections

  async addConnection(connection: Connection): Promise<number> {
    return this.#transaction(async (tx) => {
      await lockUser(tx, connection.userId);
      await tx.query(
        `INSERT INTO connections (id, user_id, connected_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, connected_at = excluded.connected_at`,
        [connection.connectionId, connection.userId, connection.connectedAt],
      );
      return this.#connectionCount(tx, connection.userId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#transaction(async (tx) => {
      const [row] = await tx.query<ConnectionRow>(this.sql.deleteConnection, [connectionId]);
      if (!row) return undefined;
      await lockUser(tx, row.user_id);
      return { connection: toConnection(row), remaining: await this.#connectionCount(tx, row.user_id) };
    });
  }

  async clearConnections(): Promise<void> {
    await this.query('DELETE FROM connections');
  }

  // Plumbing

  /** One statement on any pooled connection (atomic on its own), with errors translated. */
  protected async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query(text, [...values])).rows as R[];
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Runs `work` in a transaction on one connection and commits it, unless the
   * work returns through `tx.rollback` (a write that turned out to be a no-op).
   * An error rolls back; a connection that failed is destroyed, not reused.
   */
  async #transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    let commit = true;
    const tx: Transaction = {
      query: async (text, values) => (await client.query(text, values)).rows,
      rollback: (value) => {
        commit = false;
        return value;
      },
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      client.release();
      return result;
    } catch (error) {
      // A connection that cannot even roll back is broken: destroy it rather than pool it.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      throw storeError(error);
    }
  }

  /**
   * Bumps the room's sequence, changes the live message (`assignments` over
   * `$2` = at and `$4…` = `values`) and appends the event; or changes nothing
   * (`undefined`) when the message is missing or deleted.
   */
  #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    assignments: string,
    values: unknown[],
  ): Promise<MessageEvent | undefined> {
    return this.#transaction(async (tx) => {
      // The message's room never changes, so reading it in the bump is safe; the bump locks the room first.
      const [room] = await tx.query<{ id: RoomId; last_seq: number }>(
        `UPDATE rooms SET last_seq = last_seq + 1
         WHERE id = (SELECT room_id FROM messages WHERE id = $1) RETURNING id, last_seq`,
        [messageId],
      );
      if (!room) return undefined;
      const [row] = await tx.query<MessageRow>(
        `WITH changed AS (
           UPDATE messages AS m SET ${assignments} WHERE m.id = $1 AND m.deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, $3, '${type}', $2, id FROM changed
         )
         SELECT * FROM changed`,
        [messageId, at, room.last_seq, ...values],
      );
      if (!row) return tx.rollback(undefined);
      return { type, roomId: room.id, seq: room.last_seq, at, message: toMessage(row) };
    });
  }

  /**
   * Changes a membership (`change`, over `$1` = room, `$2` = user, `$3` = at and
   * `$4` = seq, returning the `user_id` it changed) and appends its event with
   * `seq`; or rolls back (`undefined`) when it changed nothing. The room's lock
   * must be taken first (`#nextSeq`).
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

  /**
   * Bumps and returns the room's sequence number (`undefined` for an unknown
   * room), taking the room's row lock until the transaction ends.
   */
  async #nextSeq(tx: Transaction, roomId: RoomId): Promise<number | undefined> {
    const [row] = await tx.query<{ last_seq: number }>(this.sql.nextSeq, [roomId]);
    return row?.last_seq;
  }

  async #connectionCount(tx: Transaction, userId: UserId): Promise<number> {
    const [row] = await tx.query<{ n: number }>(this.sql.connectionCount, [userId]);
    return row!.n;
  }
}

/** A transaction in progress (see `#transaction`). */
interface Transaction {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Marks the transaction to roll back instead of committing, and returns `value` for the work to return. */
  rollback<T>(value: T): T;
}

/**
 * Serialises a user's connection changes until the transaction ends, so the
 * counts they answer are exact: of two nodes removing a user's last two
 * connections at once, one sees 1 and the other 0 (and presence goes offline).
 */
async function lockUser(tx: Transaction, userId: UserId): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchboard.chat.connections'), hashtext($1))", [userId]);
}

/**
 * The `tsquery` that needs every word (searchQueryWords) as a word prefix, built
 * from lexeme literals so nothing a user typed is query syntax.
 */
function prefixTsquery(words: readonly string[]): string {
  // Words hold only letters, digits and marks; the escaping keeps that an invariant of this function, not of the callers.
  return words.map((word) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`).join(' & ');
}

/** `[a-z_][a-z0-9_]*` up to PostgreSQL's 63-byte identifier limit: safe unquoted in `search_path`. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** SQLSTATE of a unique violation, and the domain error of each unique index a caller can hit. */
const UNIQUE_VIOLATION = '23505';
const UNIQUE_ERRORS: Record<string, 'USERNAME_TAKEN' | 'ROOM_NAME_TAKEN'> = {
  users_username_key: 'USERNAME_TAKEN',
  rooms_name_key: 'ROOM_NAME_TAKEN',
};

function storeError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (error instanceof DatabaseError && error.code === UNIQUE_VIOLATION && error.constraint) {
    const code = UNIQUE_ERRORS[error.constraint];
    if (code) return new ChatError(code, undefined, { cause: error });
  }
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
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
