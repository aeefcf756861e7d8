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
 *   folds itself (store/postgres/search-text.ts), so matching and highlights
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
  Membership,
  Message,
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
  MemberRecord,
  MembershipResult,
  MessagePage,
  NewDirect,
  NewMessage,
  NewRoom,
  NewUser,
  PublicRoom,
  SearchQuery,
} from '../../ports/chat-store.ts';
import { migrate, SchemaTooNewError } from './migrations.ts';
import { searchQuery, searchSnippet, searchWords } from './search-text.ts';

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

export class PostgresChatStore implements ChatStore {
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
    await this.#query(
      `WITH inserted AS (
         INSERT INTO users (id, username, guest, created_at) VALUES ($1, $2, $3, $4) RETURNING id
       )
       INSERT INTO credentials (user_id, password_hash) SELECT id, $5 FROM inserted WHERE $5::text IS NOT NULL`,
      [user.id, user.username, user.guest, user.createdAt, user.passwordHash ?? null],
    );
    return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
  }

  async getUser(id: UserId): Promise<User | undefined> {
    const [row] = await this.#query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return row && toUser(row);
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    const [row] = await this.#query<UserRow>('SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
    return row && toUser(row);
  }

  async getPasswordHash(userId: UserId): Promise<string | undefined> {
    const [row] = await this.#query<{ password_hash: string }>(
      'SELECT password_hash FROM credentials WHERE user_id = $1',
      [userId],
    );
    return row?.password_hash;
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    // One upsert decides the window atomically, however many nodes hit the key at once.
    // Beside it, a bounded sweep of expired counters that skips rows other requests hold.
    const [row] = await this.#query<{ count: number; reset_at: number }>(
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
    return { count: row!.count, resetAt: row!.reset_at };
  }

  async peekCounter(key: string, now: number): Promise<CounterState> {
    const [row] = await this.#query<{ count: number; reset_at: number }>(
      'SELECT count, reset_at FROM counters WHERE key = $1 AND reset_at > $2',
      [key, now],
    );
    return row ? { count: row.count, resetAt: row.reset_at } : { count: 0, resetAt: now };
  }

  async resetCounter(key: string): Promise<void> {
    await this.#query('DELETE FROM counters WHERE key = $1', [key]);
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    await this.#query("INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES ($1, 'room', $2, $3, $4)", [
      room.id,
      room.name,
      room.createdBy,
      room.createdAt,
    ]);
    return {
      id: room.id,
      kind: 'room',
      name: room.name,
      createdBy: room.createdBy,
      createdAt: room.createdAt,
      lastSeq: 0,
    };
  }

  async getRoom(id: RoomId): Promise<Room | undefined> {
    const [row] = await this.#query<RoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = $1`, [id]);
    return row && toRoom(row);
  }

  async getRoomByName(name: string): Promise<Room | undefined> {
    const [row] = await this.#query<RoomRow>(
      `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE lower(r.name) = lower($1) AND r.kind = 'room'`,
      [name],
    );
    return row && toRoom(row);
  }

  async listPublicRooms(userId: UserId): Promise<PublicRoom[]> {
    const rows = await this.#query<RoomRow & { member_count: number; joined: boolean }>(
      `SELECT ${ROOM_COLUMNS},
         (SELECT count(*) FROM memberships m WHERE m.room_id = r.id) AS member_count,
         EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = $1) AS joined
       FROM rooms r WHERE r.kind = 'room' ORDER BY r.name COLLATE "C"`,
      [userId],
    );
    return rows.map((row) => ({ room: toRoom(row), memberCount: row.member_count, joined: row.joined }));
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    // One statement: two nodes opening the same pair at once create one room; the loser finds it.
    const [created] = await this.#query<RoomRow>(
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
      const seq = await nextSeq(tx, roomId);
      if (seq === undefined) throw new ChatError('ROOM_NOT_FOUND');
      // A new member has read everything up to their own arrival.
      const [row] = await tx.query<UserRow>(
        `WITH joined AS (
           INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING
           RETURNING user_id
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, user_id) SELECT $1, $4, 'memberJoined', $3, user_id FROM joined
         )
         SELECT u.* FROM joined JOIN users u ON u.id = joined.user_id`,
        [roomId, userId, at, seq],
      );
      // Another node added the member since the check above.
      if (!row) return tx.rollback(undefined);
      return { type: 'memberJoined', roomId, seq, at, user: userSummary(toUser(row)) } satisfies RoomEvent;
    });
    if (!event) return { membership: (await this.getMembership(roomId, userId)) ?? null, event: null };
    return { membership: { roomId, userId, joinedAt: at, lastReadSeq: event.seq }, event };
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    const event = await this.#transaction(async (tx) => {
      // The room's lock comes first, as in every event-producing write (see the class doc).
      const seq = await nextSeq(tx, roomId);
      if (seq === undefined) return undefined;
      const [row] = await tx.query<UserRow>(
        `WITH removed AS (
           DELETE FROM memberships WHERE room_id = $1 AND user_id = $2 RETURNING user_id
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, user_id) SELECT $1, $4, 'memberLeft', $3, user_id FROM removed
         )
         SELECT u.* FROM removed JOIN users u ON u.id = removed.user_id`,
        [roomId, userId, at, seq],
      );
      if (!row) return tx.rollback(undefined);
      return { type: 'memberLeft', roomId, seq, at, user: userSummary(toUser(row)) } satisfies RoomEvent;
    });
    return { membership: null, event: event ?? null };
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    const [row] = await this.#query<MembershipRow>('SELECT * FROM memberships WHERE room_id = $1 AND user_id = $2', [
      roomId,
      userId,
    ]);
    return row && { roomId: row.room_id, userId: row.user_id, joinedAt: row.joined_at, lastReadSeq: row.last_read_seq };
  }

  async listMembers(roomId: RoomId): Promise<MemberRecord[]> {
    const rows = await this.#query<UserRow & { joined_at: number }>(
      `SELECT u.*, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.room_id = $1 ORDER BY u.username COLLATE "C"`,
      [roomId],
    );
    return rows.map((row) => ({ user: toUser(row), joinedAt: row.joined_at }));
  }

  async listUserRooms(userId: UserId): Promise<UserRoom[]> {
    const rows = await this.#query<UserRoomRow>(
      `${USER_ROOMS} ORDER BY r.kind DESC, r.name COLLATE "C", p.username COLLATE "C"`,
      [userId],
    );
    return rows.map(toUserRoom);
  }

  async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    const [row] = await this.#query<UserRoomRow>(`${USER_ROOMS} AND r.id = $2`, [userId, roomId]);
    return row && toUserRoom(row);
  }

  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.#query(
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
      const seq = await nextSeq(tx, message.roomId);
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
      return row ? toMessage(row) : tx.rollback(undefined);
    });
    if (created) {
      return {
        message: created,
        event: { type: 'message', roomId: created.roomId, seq: created.seq, at: created.createdAt, message: created },
        created: true,
      };
    }
    // The client message id is taken: by an earlier send, or by a retry that another node committed first.
    const [row] = await this.#query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE room_id = $1 AND author_id = $2 AND client_message_id = $3`,
      [message.roomId, message.authorId, message.clientMessageId],
    );
    const stored = toMessage(row!);
    return {
      message: stored,
      event: { type: 'message', roomId: stored.roomId, seq: stored.seq, at: stored.createdAt, message: stored },
      created: false,
    };
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

  async getMessage(id: MessageId): Promise<Message | undefined> {
    const [row] = await this.#query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1`, [id]);
    return row && toMessage(row);
  }

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const rows = await this.#query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [roomId, options.beforeSeq ?? Number.MAX_SAFE_INTEGER, options.limit + 1],
    );
    const hasMore = rows.length > options.limit;
    return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore };
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    const rows = await this.#query<EventRow>(`${EVENTS} WHERE e.room_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`, [
      roomId,
      afterSeq,
      limit,
    ]);
    return rows.map(toEvent);
  }

  // Search

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const search = searchQuery(query.terms);
    if (!search) return [];
    const rows = await this.#query<SearchRow>(
      `SELECT ${MESSAGE_COLUMNS}, r.id AS r_id, r.kind AS r_kind, r.name AS r_name, r.created_by AS r_created_by,
         r.created_at AS r_created_at, r.last_seq AS r_last_seq
       FROM messages m
       JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = $1
       JOIN rooms r ON r.id = m.room_id
       WHERE m.search @@ $2::tsquery AND m.deleted_at IS NULL AND ($3::text IS NULL OR m.room_id = $3)
       ORDER BY m.created_at DESC, m.room_id, m.seq DESC
       LIMIT $4`,
      [query.userId, search.tsquery, query.roomId ?? null, query.limit],
    );
    return rows.map((row) => ({
      message: toMessage(row),
      room: toRoom({
        id: row.r_id,
        kind: row.r_kind,
        name: row.r_name,
        created_by: row.r_created_by,
        created_at: row.r_created_at,
        last_seq: row.r_last_seq,
      }),
      snippet: searchSnippet(row.text, search.words),
    }));
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
      return connectionCount(tx, connection.userId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#transaction(async (tx) => {
      const [row] = await tx.query<ConnectionRow>('DELETE FROM connections WHERE id = $1 RETURNING *', [connectionId]);
      if (!row) return undefined;
      await lockUser(tx, row.user_id);
      return { connection: toConnection(row), remaining: await connectionCount(tx, row.user_id) };
    });
  }

  async getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    const [row] = await this.#query<ConnectionRow>('SELECT * FROM connections WHERE id = $1', [connectionId]);
    return row && toConnection(row);
  }

  async listUserConnections(userId: UserId): Promise<Connection[]> {
    const rows = await this.#query<ConnectionRow>(
      'SELECT * FROM connections WHERE user_id = $1 ORDER BY connected_at, id COLLATE "C"',
      [userId],
    );
    return rows.map(toConnection);
  }

  async listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    const rows = await this.#query<ConnectionRow>(
      `SELECT c.* FROM connections c JOIN memberships m ON m.user_id = c.user_id
       WHERE m.room_id = $1 ORDER BY c.connected_at, c.id COLLATE "C"`,
      [roomId],
    );
    return rows.map(toConnection);
  }

  async listOnlineUsers(): Promise<User[]> {
    const rows = await this.#query<UserRow>(
      `SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM connections c WHERE c.user_id = u.id)
       ORDER BY u.username COLLATE "C"`,
    );
    return rows.map(toUser);
  }

  async clearConnections(): Promise<void> {
    await this.#query('DELETE FROM connections');
  }

  // Plumbing

  /** One statement on any pooled connection (atomic on its own), with errors translated. */
  async #query<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(text, values)).rows;
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
}

/** A transaction in progress (see `#transaction`). */
interface Transaction {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Marks the transaction to roll back instead of committing, and returns `value` for the work to return. */
  rollback<T>(value: T): T;
}

/**
 * Bumps and returns the room's sequence number (`undefined` for an unknown
 * room), taking the room's row lock until the transaction ends.
 */
async function nextSeq(tx: Transaction, roomId: RoomId): Promise<number | undefined> {
  const [row] = await tx.query<{ last_seq: number }>(
    'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq',
    [roomId],
  );
  return row?.last_seq;
}

/**
 * Serialises a user's connection changes until the transaction ends, so the
 * counts they answer are exact: of two nodes removing a user's last two
 * connections at once, one sees 1 and the other 0 (and presence goes offline).
 */
async function lockUser(tx: Transaction, userId: UserId): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchboard.chat.connections'), hashtext($1))", [userId]);
}

async function connectionCount(tx: Transaction, userId: UserId): Promise<number> {
  const [row] = await tx.query<{ n: number }>('SELECT count(*) AS n FROM connections WHERE user_id = $1', [userId]);
  return row!.n;
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

// Rows and their mapping to domain records.

const ROOM_COLUMNS = 'r.id, r.kind, r.name, r.created_by, r.created_at, r.last_seq';

/** Every column of a message but the search ones, for tables aliased `m`. */
const MESSAGE_COLUMNS =
  'm.id, m.room_id, m.seq, m.author_id, m.author_name, m.text, m.client_message_id, m.created_at, m.edited_at, m.deleted_at';

const USER_ROOMS = `
  SELECT ${ROOM_COLUMNS}, m.user_id AS member_id, m.joined_at, m.last_read_seq,
    (SELECT count(*) FROM messages x
      WHERE x.room_id = r.id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL AND x.author_id <> m.user_id) AS unread,
    p.id AS peer_id, p.username AS peer_username, p.guest AS peer_guest, p.created_at AS peer_created_at
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN memberships pm ON r.kind = 'direct' AND pm.room_id = r.id AND pm.user_id <> m.user_id
  LEFT JOIN users p ON p.id = pm.user_id
  WHERE m.user_id = $1`;

const EVENTS = `
  SELECT e.room_id AS e_room_id, e.seq AS e_seq, e.type AS e_type, e.at AS e_at,
    ${MESSAGE_COLUMNS}, u.id AS u_id, u.username AS u_username, u.guest AS u_guest, u.created_at AS u_created_at
  FROM events e
  LEFT JOIN messages m ON m.id = e.message_id
  LEFT JOIN users u ON u.id = e.user_id`;

interface UserRow {
  id: string;
  username: string;
  guest: boolean;
  created_at: number;
}

interface RoomRow {
  id: string;
  kind: 'room' | 'direct';
  name: string | null;
  created_by: string | null;
  created_at: number;
  last_seq: number;
}

interface MembershipRow {
  room_id: string;
  user_id: string;
  joined_at: number;
  last_read_seq: number;
}

interface UserRoomRow extends RoomRow {
  member_id: string;
  joined_at: number;
  last_read_seq: number;
  unread: number;
  peer_id: string | null;
  peer_username: string | null;
  peer_guest: boolean | null;
  peer_created_at: number | null;
}

interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  author_id: string;
  author_name: string;
  text: string;
  client_message_id: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

interface EventRow extends Partial<MessageRow> {
  e_room_id: string;
  e_seq: number;
  e_type: RoomEvent['type'];
  e_at: number;
  u_id: string | null;
  u_username: string | null;
  u_guest: boolean | null;
  u_created_at: number | null;
}

interface SearchRow extends MessageRow {
  r_id: string;
  r_kind: 'room' | 'direct';
  r_name: string | null;
  r_created_by: string | null;
  r_created_at: number;
  r_last_seq: number;
}

interface ConnectionRow {
  id: string;
  user_id: string;
  connected_at: number;
}

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, guest: row.guest, createdAt: row.created_at };
}

function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
  };
}

function toUserRoom(row: UserRoomRow): UserRoom {
  return {
    room: toRoom(row),
    membership: { roomId: row.id, userId: row.member_id, joinedAt: row.joined_at, lastReadSeq: row.last_read_seq },
    unread: row.unread,
    peer:
      row.peer_id === null
        ? null
        : { id: row.peer_id, username: row.peer_username!, guest: row.peer_guest!, createdAt: row.peer_created_at! },
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: row.seq,
    authorId: row.author_id,
    authorName: row.author_name,
    text: row.text,
    clientMessageId: row.client_message_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
  };
}

function toEvent(row: EventRow): RoomEvent {
  const base = { roomId: row.e_room_id, seq: row.e_seq, at: row.e_at };
  switch (row.e_type) {
    case 'message':
    case 'messageEdited':
    case 'messageDeleted':
      return { ...base, type: row.e_type, message: toMessage(row as MessageRow) };
    case 'memberJoined':
    case 'memberLeft':
      return {
        ...base,
        type: row.e_type,
        user: userSummary({
          id: row.u_id!,
          username: row.u_username!,
          guest: row.u_guest!,
          createdAt: row.u_created_at!,
        }),
      };
  }
}

function toConnection(row: ConnectionRow): Connection {
  return { connectionId: row.id, userId: row.user_id, connectedAt: row.connected_at };
}
