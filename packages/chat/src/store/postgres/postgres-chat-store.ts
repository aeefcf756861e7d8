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
 * - Group commit: a room's message appends share one transaction
 *   (`#appendBatch`), one at a time per room and node; those that arrive while
 *   it runs go into the next. The room's lock is taken once, repeats are found
 *   under it, and one bump numbers the rest, so a busy room's senders do not
 *   queue on its row one transaction (and one WAL flush) each.
 * - Search: a GIN-indexed `tsvector` column generated from words the store
 *   folds itself (store/search-text.ts), so matching and highlights
 *   follow the SQLite store's rules and user input is never query syntax.
 * - Errors: unique violations become the domain's errors; anything else the
 *   database or the network does (refused or lost connections, timeouts) is
 *   `STORE_UNAVAILABLE`, and the chat never acknowledges on it.
 * - Schema: versioned by `schema_migrations`, migrated on open under an
 *   advisory lock (store/postgres/migrations.ts).
 */
import type { PoolClient, QueryConfig, QueryResultRow } from 'pg';
import { Client, type ClientConfig, DatabaseError, Pool, types } from 'pg';
import { ChatError } from '../../domain/errors.ts';
import { ChatLimits } from '../../domain/limits.ts';
import { mentionKeys } from '../../domain/mentions.ts';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import { applyReaction, type ReactionChange } from '../../domain/reactions.ts';
import { requireThreadRoot } from '../../domain/threads.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
  Message,
  MessageEvent,
  MessageId,
  Room,
  RoomEvent,
  RoomId,
  RoomVisibility,
  SearchHit,
  SessionRecord,
  StoredRole,
  User,
  UserId,
  UserRef,
  UserRoom,
} from '../../domain/types.ts';
import type { ChatLogger } from '../../domain/use-cases/context.ts';
import { userSummary } from '../../domain/views.ts';
import type {
  AppendResult,
  ChatStore,
  ConnectionRemoval,
  CounterState,
  MembershipResult,
  MessageChangeResult,
  NewDirect,
  NewMessage,
  NewReply,
  NewRoom,
  NewUser,
  ReplyResult,
  SearchQuery,
  ThreadRoot,
  UploadClaim,
} from '../../ports/chat-store.ts';
import type { RateLimitStore } from '../../ports/rate-limit-store.ts';
import { StoreAvailability } from '../availability.ts';
import { appendResult } from '../new-message.ts';
import { writtenReply } from '../reply-result.ts';
import { searchQueryWords, searchSnippet, searchWords } from '../search-text.ts';
import {
  auditValues,
  type ConnectionRow,
  type CounterRow,
  type EventRow,
  type MessageRow,
  type RoomRow,
  type SearchRow,
  toConnection,
  toCounter,
  toEvent,
  toMessage,
  toRoom,
  toSearchHit,
  toUser,
  type UserRow,
} from '../sql/rows.ts';
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import { MESSAGE_COLUMNS, ROOM_COLUMNS, SEARCH_HIT_COLUMNS, type SqlDialect } from '../sql/statements.ts';
import { migrate, SchemaTooNewError } from './migrations.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';

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

const defaults = {
  poolSize: 10,
  connectionTimeoutMs: 5000,
  connectTimeoutMs: 2000,
  queryTimeoutMs: 2000,
  idleInTransactionTimeoutMs: 5000,
  idleTimeoutMs: 30_000,
  applicationName: 'switchboard-chat',
} satisfies Omit<Required<PostgresChatStoreOptions>, 'connectionString' | 'schema' | 'logger'>;

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
  /** Rate-limit state in the same database (store/postgres/postgres-rate-limit-store.ts). */
  readonly rateLimits: RateLimitStore;
  readonly #pool: Pool;
  readonly #queryTimeoutMs: number;
  readonly #availability: StoreAvailability;
  #closed = false;
  /** Appends waiting for their room's next transaction, by room. */
  readonly #pendingAppends = new Map<RoomId, PendingAppend[]>();
  #flushScheduled = false;
  /** Rooms with an append transaction running, and those transactions. */
  readonly #appendingRooms = new Set<RoomId>();
  readonly #runningAppends = new Set<Promise<void>>();

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
    return new PostgresChatStore(
      pool,
      settings.queryTimeoutMs,
      new StoreAvailability(settings.logger ? { logger: settings.logger } : {}),
    );
  }

  private constructor(pool: Pool, queryTimeoutMs: number, availability: StoreAvailability) {
    super(dialect);
    this.#pool = pool;
    this.#queryTimeoutMs = queryTimeoutMs;
    this.#availability = availability;
    this.rateLimits = new PostgresRateLimitStore((text, values) => this.query(text, values));
  }

  /** Waits for running requests and closes every connection. The store is unusable afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Appends waiting for their room's transaction are written, not lost.
    this.#flushAppends();
    while (this.#runningAppends.size > 0) await Promise.allSettled([...this.#runningAppends]);
    await this.#pool.end();
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    // One statement, so the user and the credential are written together or not at all.
    await this.query(
      `WITH inserted AS (
         INSERT INTO users (id, username, guest, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $3 THEN $4::bigint END) RETURNING id
       )
       INSERT INTO credentials (user_id, password_hash) SELECT id, $5 FROM inserted WHERE $5::text IS NOT NULL`,
      [user.id, user.username, user.guest, user.createdAt, user.passwordHash ?? null],
    );
    return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
  }

  async setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    await this.query(this.sql.updatePasswordHash, [passwordHash, userId]);
  }

  // Guests

  async recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    await this.query(this.sql.guestSeen, [at, userId, unlessSince]);
  }

  async renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    const [row] = await this.query<{ n: number }>(
      `WITH renamed AS (${this.sql.renameAuthor} RETURNING 1) SELECT count(*)::int AS n FROM renamed`,
      [name, userId, name, limit],
    );
    return row!.n;
  }

  async retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    return (await this.query(this.sql.retireGuest, [formerName, at, userId])).length > 0;
  }

  // Sessions

  async createSession(session: SessionRecord): Promise<void> {
    // Beside each new session, a bounded sweep of expired ones that skips rows other requests hold.
    await this.query(
      `WITH expired AS (
         DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE expires_at <= $3 LIMIT 100 FOR UPDATE SKIP LOCKED
         )
       )
       INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.id, session.userId, session.createdAt, session.expiresAt],
    );
  }

  async deleteSession(id: string): Promise<void> {
    await this.query(this.sql.deleteSession, [id]);
  }

  async banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    await this.query(this.sql.banFromRoom, [roomId, userId, at]);
  }

  async claimUploads({ roomId, authorId, fileIds, clientMessageId, at }: UploadClaim): Promise<string | undefined> {
    return this.#transaction(async (tx) => {
      // In one order for every send, so two sends naming the same files wait on each other's
      // rows rather than deadlock.
      for (const fileId of [...fileIds].sort()) {
        const claimed = await tx.query(this.sql.claimUpload, [roomId, authorId, fileId, clientMessageId, at]);
        if (claimed.length === 0) return tx.rollback(fileId);
      }
      return undefined;
    });
  }

  async liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    return (await this.query(this.sql.liftRoomBan, [roomId, userId])).length > 0;
  }

  async deactivateUser(userId: UserId, at: number): Promise<boolean> {
    return (await this.query(this.sql.deactivate, [userId, at])).length > 0;
  }

  async appendAuditEntry(entry: AuditEntry): Promise<void> {
    await this.query(this.sql.insertAudit, auditValues(entry));
  }

  async deleteUserSessions(userId: UserId): Promise<void> {
    await this.query(this.sql.deleteUserSessions, [userId]);
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
    const [row] = await this.query<RoomRow>(this.sql.insertRoom, [
      room.id,
      room.name,
      room.createdBy,
      room.createdAt,
      room.visibility ?? 'public',
    ]);
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
    return { membership: { roomId, userId, joinedAt: at, lastReadSeq: event.seq, role: 'member' }, event };
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

  async setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'topic', value: topic },
      { type: 'topicChanged', column: 'topic' },
      by,
      at,
    );
  }

  async renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    // A taken name fails the unique index (rooms_name_key): ROOM_NAME_TAKEN, and the transaction rolls back.
    return this.#changeRoom(roomId, { column: 'name', value: name }, { type: 'roomRenamed', column: 'detail' }, by, at);
  }

  async setRoomVisibility(
    roomId: RoomId,
    visibility: RoomVisibility,
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'visibility', value: visibility },
      { type: 'visibilityChanged', column: 'visibility' },
      by,
      at,
    );
  }

  async setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    return this.#transaction(async (tx) => {
      // The room's lock first, as in every event-producing write; the role read under it stays.
      const [room] = await tx.query<{ id: RoomId }>('SELECT id FROM rooms WHERE id = $1 FOR UPDATE', [roomId]);
      if (!room) throw new ChatError('ROOM_NOT_FOUND');
      const [member] = await tx.query<{ role: StoredRole }>(
        'SELECT role FROM memberships WHERE room_id = $1 AND user_id = $2',
        [roomId, userId],
      );
      if (!member) throw new ChatError('MEMBER_NOT_FOUND');
      if (member.role === role) return null;
      const seq = (await this.#nextSeq(tx, roomId))!;
      await tx.query('UPDATE memberships SET role = $3 WHERE room_id = $1 AND user_id = $2', [roomId, userId, role]);
      await tx.query(
        `INSERT INTO events (room_id, seq, type, at, user_id, detail) VALUES ($1, $2, 'memberRoleChanged', $3, $4, $5)`,
        [roomId, seq, at, userId, role],
      );
      const [row] = await tx.query<EventRow>(this.sql.eventAt, [roomId, seq]);
      return toEvent(row!);
    });
  }

  async setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(
      roomId,
      { column: 'read_only', value: readOnly },
      { type: 'readOnlyChanged', column: 'detail', value: readOnly ? 'on' : 'off' },
      by,
      at,
    );
  }

  /**
   * Sets one column of a `room`-kind room and appends its event naming `by`, whose own
   * `event.column` keeps what was set (`event.value`, or the setting's value); `null` when
   * the room already had it. The room's row lock comes first, as in every event-producing
   * write, so the value read under it stays. Rejects with ROOM_NOT_FOUND (also a direct
   * conversation).
   */
  #changeRoom(
    roomId: RoomId,
    setting: { column: 'topic' | 'name' | 'visibility' | 'read_only'; value: string | boolean | null },
    event: { type: RoomEvent['type']; column: 'topic' | 'visibility' | 'detail'; value?: string },
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    const { column, value } = setting;
    return this.#transaction(async (tx) => {
      const [room] = await tx.query<{ kind: string; current: unknown }>(
        `SELECT kind, ${column} AS current FROM rooms WHERE id = $1 FOR UPDATE`,
        [roomId],
      );
      if (room?.kind !== 'room') throw new ChatError('ROOM_NOT_FOUND');
      if (room.current === value) return null;
      const [{ last_seq: seq }] = (await tx.query<{ last_seq: number }>(
        `UPDATE rooms SET last_seq = last_seq + 1, ${column} = $2 WHERE id = $1 RETURNING last_seq`,
        [roomId, value],
      )) as [{ last_seq: number }];
      await tx.query(
        `INSERT INTO events (room_id, seq, type, at, user_id, ${event.column}) VALUES ($1, $2, $3, $4, $5, $6)`,
        [roomId, seq, event.type, at, by, event.value ?? value],
      );
      const [row] = await tx.query<EventRow>(this.sql.eventAt, [roomId, seq]);
      return toEvent(row!);
    });
  }

  protected writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    // One statement commits on its own: atomic, and durable once answered.
    return this.query<R>(text, values);
  }

  /** Moves the marker forward only; a marker that would not move writes no row version. */
  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.query(
      `UPDATE memberships
       SET last_read_seq = least($3, (SELECT last_seq FROM rooms WHERE id = $1))
       WHERE room_id = $1 AND user_id = $2
         AND last_read_seq < least($3, (SELECT last_seq FROM rooms WHERE id = $1))`,
      [roomId, userId, seq],
    );
    return this.getUserRoom(userId, roomId);
  }

  async markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    await this.query(
      'UPDATE memberships SET last_read_seq = $3 WHERE room_id = $1 AND user_id = $2 AND last_read_seq > $3',
      [roomId, userId, seq],
    );
    return this.getUserRoom(userId, roomId);
  }

  // Messages and events

  /** Queues the append for its room's next transaction (`#appendBatch`). */
  async appendMessage(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flushAppends);
      }
      let batch = this.#pendingAppends.get(message.roomId);
      if (!batch) {
        batch = [];
        this.#pendingAppends.set(message.roomId, batch);
      }
      batch.push({ message, resolve, reject });
    });
  }

  /**
   * Starts a transaction for each room with appends waiting and none running: a
   * room's appends that arrive while its transaction runs wait for the next one,
   * so its lock is taken by one transaction of this node at a time, however busy.
   */
  readonly #flushAppends = (): void => {
    this.#flushScheduled = false;
    for (const roomId of [...this.#pendingAppends.keys()]) this.#startAppends(roomId);
  };

  #startAppends(roomId: RoomId): void {
    const waiting = this.#pendingAppends.get(roomId);
    if (!waiting || this.#appendingRooms.has(roomId)) return;
    const batch = waiting.splice(0, APPEND_BATCH_MAX);
    if (waiting.length === 0) this.#pendingAppends.delete(roomId);
    this.#appendingRooms.add(roomId);
    const running = this.#appendBatch(roomId, batch).finally(() => {
      this.#appendingRooms.delete(roomId);
      this.#runningAppends.delete(running);
      this.#startAppends(roomId);
    });
    this.#runningAppends.add(running);
  }

  /**
   * One transaction of a room's waiting appends: the room's lock, then one
   * statement that skips the repeats (stored before, or earlier in the batch),
   * numbers the rest after the room's last seq, and inserts them and their events.
   * If the batch fails for a reason other than the database (a sender removed
   * meanwhile), each append is tried alone, so one cannot fail the others.
   */
  async #appendBatch(roomId: RoomId, batch: readonly PendingAppend[]): Promise<void> {
    const messages = batch.map((pending) => pending.message);
    let rows: MessageRow[];
    try {
      rows = await this.#transaction(async (tx) => {
        const [room] = await tx.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [roomId]);
        if (!room) throw new ChatError('ROOM_NOT_FOUND');
        const inserted = await tx.query<MessageRow>(APPEND_BATCH, [
          roomId,
          messages.map((message) => message.id),
          messages.map((message) => message.authorId),
          messages.map((message) => message.authorName),
          messages.map((message) => message.text),
          messages.map((message) => searchWords(message.text)),
          messages.map((message) => message.clientMessageId),
          messages.map((message) => message.at),
          messages.map((message) => (message.mentions ? JSON.stringify(message.mentions) : null)),
          messages.map((message) => JSON.stringify(mentionKeys(message.mentions))),
          messages.map((message) => JSON.stringify(message.attachments ?? [])),
        ]);
        if (inserted.length === messages.length) return inserted;
        // Some were repeats: their stored messages, read under the same lock.
        const repeats = messages.filter((message) => !inserted.some((row) => row.id === message.id));
        const stored = await tx.query<MessageRow>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages m
           JOIN unnest($2::text[], $3::text[]) AS r(author_id, client_message_id)
             ON m.author_id = r.author_id AND m.client_message_id = r.client_message_id
           WHERE m.room_id = $1`,
          [roomId, repeats.map((message) => message.authorId), repeats.map((message) => message.clientMessageId)],
        );
        return [...inserted, ...stored];
      });
    } catch (error) {
      if (
        batch.length > 1 &&
        error instanceof ChatError &&
        error.code === 'STORE_UNAVAILABLE' &&
        !isOutage(error.cause)
      ) {
        await Promise.all(batch.map(({ message, resolve, reject }) => this.#appendOne(message).then(resolve, reject)));
      } else {
        for (const pending of batch) pending.reject(error instanceof Error ? error : storeError(error));
      }
      return;
    }
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const { message, resolve } of batch) {
      const created = byId.get(message.id);
      if (created) {
        resolve(appendResult(toMessage(created), true));
        continue;
      }
      const stored = rows.find(
        (row) => row.author_id === message.authorId && row.client_message_id === message.clientMessageId,
      );
      resolve(appendResult(toMessage(stored!), false));
    }
  }

  /** One append in a transaction of its own (`#appendBatch` falls back to it). */
  async #appendOne(message: NewMessage): Promise<AppendResult> {
    const created = await this.#transaction(async (tx) => {
      const seq = await this.#nextSeq(tx, message.roomId);
      if (seq === undefined) throw new ChatError('ROOM_NOT_FOUND');
      const [row] = await tx.query<MessageRow>(
        `WITH inserted AS (
           INSERT INTO messages AS m
             (id, room_id, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
              attachments)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12)
           ON CONFLICT (room_id, author_id, client_message_id) DO NOTHING
           RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
         ), mentioned AS (
           INSERT INTO message_mentions (room_id, user_id, seq) SELECT room_id, unnest($11::text[]), seq FROM inserted
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
          message.mentions ? JSON.stringify(message.mentions) : null,
          mentionKeys(message.mentions),
          JSON.stringify(message.attachments ?? []),
        ],
      );
      return row ?? tx.rollback(undefined);
    });
    if (created) return appendResult(toMessage(created), true);
    // The client message id is taken: by an earlier send, or by a retry that another node committed first.
    const [row] = await this.query<MessageRow>(this.sql.messageByClientId, [
      message.roomId,
      message.authorId,
      message.clientMessageId,
    ]);
    return appendResult(toMessage(row!), false);
  }

  // Threads

  /**
   * The room's lock is taken first (as every event-producing write takes it), so
   * the root checked here cannot change (be deleted, counted by another reply)
   * before the transaction ends.
   */
  async appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#transaction(async (tx) => {
      const seq = await this.#nextSeq(tx, reply.roomId);
      if (seq === undefined) throw new ChatError('MESSAGE_NOT_FOUND');
      const [rootRow] = await tx.query<MessageRow>(this.sql.messageById, [reply.rootId]);
      const root = requireThreadRoot(rootRow && toMessage(rootRow), reply.roomId);
      if (reply.clientMessageId !== null) {
        const [existing] = await tx.query<MessageRow>(this.sql.messageByClientId, [
          reply.roomId,
          reply.authorId,
          reply.clientMessageId,
        ]);
        if (existing) return tx.rollback({ message: toMessage(existing), root, events: [], created: false });
      }
      if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
      const [row] = await tx.query<MessageRow>(
        `WITH inserted AS (
           INSERT INTO messages AS m (id, room_id, seq, author_id, author_name, text, search_words, client_message_id,
             created_at, thread_root_id, also_to_room, mentions)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
         ), mentioned AS (
           INSERT INTO message_mentions (room_id, user_id, seq) SELECT room_id, unnest($13::text[]), seq FROM inserted
         )
         SELECT * FROM inserted`,
        [
          reply.id,
          reply.roomId,
          seq,
          reply.authorId,
          reply.authorName,
          reply.text,
          searchWords(reply.text),
          reply.clientMessageId,
          reply.at,
          root.id,
          reply.alsoToRoom,
          reply.mentions ? JSON.stringify(reply.mentions) : null,
          mentionKeys(reply.mentions),
        ],
      );
      const threadSeq = (await this.#nextSeq(tx, reply.roomId))!;
      const [updatedRow] = await tx.query<MessageRow>(
        `WITH event AS (INSERT INTO events (room_id, seq, type, at, message_id) VALUES ($4, $5, 'threadUpdated', $2, $1))
         UPDATE messages AS m SET reply_count = reply_count + 1, last_reply_at = $2, last_reply_seq = $3
         WHERE m.id = $1 RETURNING ${MESSAGE_COLUMNS}`,
        [root.id, reply.at, seq, reply.roomId, threadSeq],
      );
      return writtenReply(toMessage(row!), toMessage(updatedRow!), threadSeq);
    });
  }

  /** Forward only: a position that would not move writes no row version. */
  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    await this.query(this.sql.markThreadRead, [userId, root.id, root.roomId, root.seq, seq]);
    return (await this.getThreadRead(userId, root))!;
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', 'text = $4, search_words = $5, edited_at = $2', [
      text,
      searchWords(text),
    ]);
  }

  async deleteMessage(
    messageId: MessageId,
    at: number,
    options: { byModerator?: boolean } = {},
  ): Promise<MessageEvent | undefined> {
    return this.#changeMessage(
      messageId,
      at,
      'messageDeleted',
      `text = '', search_words = '', reactions = '[]', attachments = '[]', pinned_at = NULL, pinned_by_id = NULL,
       pinned_by_name = NULL, deleted_at = $2, removed_by_moderator = $4`,
      [options.byModerator ?? false],
    );
  }

  async reactToMessage(
    messageId: MessageId,
    change: ReactionChange,
    at: number,
  ): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, async (current) => {
      const reactions = applyReaction(current.reactions, change);
      return reactions && { type: 'messageReacted', set: { reactions: JSON.stringify(reactions) } };
    });
  }

  async pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, async (current, tx) => {
      if ((by !== null) === (current.pinnedAt !== null)) return undefined;
      if (by === null) {
        return { type: 'messageUnpinned', set: { pinned_at: null, pinned_by_id: null, pinned_by_name: null } };
      }
      // Counted under the room's lock: every pin of the room waits for it.
      const [{ n }] = (await tx.query<{ n: number }>(this.sql.pinCount, [current.roomId])) as [{ n: number }];
      if (Number(n) >= ChatLimits.pinsMaxPerRoom) throw new ChatError('TOO_MANY_PINS');
      return { type: 'messagePinned', set: { pinned_at: at, pinned_by_id: by.id, pinned_by_name: by.username } };
    });
  }

  /**
   * A change of a live message that appends its event. The room row is locked
   * first, as every event-producing write locks it, so what `decide` reads (the
   * message, the room's pins) cannot change before the transaction ends, and no
   * lock order is inverted; `decide` answers the columns to set, or `undefined`
   * for a no-op.
   */
  #changeLiveMessage(
    messageId: MessageId,
    at: number,
    decide: (
      current: Message,
      tx: Transaction,
    ) => Promise<{ type: MessageEvent['type']; set: Record<string, unknown> } | undefined>,
  ): Promise<MessageChangeResult | undefined> {
    return this.#transaction(async (tx) => {
      const [room] = await tx.query<{ id: RoomId; last_seq: number }>(
        `SELECT id, last_seq FROM rooms WHERE id = (SELECT room_id FROM messages WHERE id = $1) FOR UPDATE`,
        [messageId],
      );
      if (!room) return undefined;
      const [row] = await tx.query<MessageRow>(this.sql.messageById, [messageId]);
      const current = row && toMessage(row);
      if (!current || current.deletedAt !== null) return undefined;
      const change = await decide(current, tx);
      if (!change) return { message: current, event: null };
      const seq = Number(room.last_seq) + 1;
      const columns = Object.keys(change.set);
      const [changed] = await tx.query<MessageRow>(
        `WITH bump AS (UPDATE rooms SET last_seq = $3 WHERE id = $2),
           event AS (INSERT INTO events (room_id, seq, type, at, message_id) VALUES ($2, $3, $4, $5, $1))
         UPDATE messages AS m SET ${columns.map((column, i) => `${column} = $${i + 6}`).join(', ')}
         WHERE m.id = $1 RETURNING ${MESSAGE_COLUMNS}`,
        [messageId, room.id, seq, change.type, at, ...Object.values(change.set)],
      );
      const message = toMessage(changed!);
      return { message, event: { type: change.type, roomId: room.id, seq, at, message } as MessageEvent };
    });
  }

  // Search

  async setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    await this.query(this.sql.setNotificationSettings, [userId, roomId, settings.level, settings.muted]);
  }

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

  /**
   * One statement on any pooled connection (atomic on its own), with errors
   * translated. A statement that times out fails its connection, which the pool
   * then discards.
   */
  protected async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    this.#admit();
    try {
      const { rows } = await this.#pool.query(timed(text, [...values], this.#queryTimeoutMs));
      this.#availability.answered();
      return rows as R[];
    } catch (error) {
      throw this.#failure(error);
    }
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

  /**
   * Runs `work` in a transaction on one connection and commits it, unless the
   * work returns through `tx.rollback` (a write that turned out to be a no-op).
   * An error rolls back; a connection that failed is destroyed, not reused.
   */
  async #transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
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

/** Appends in one transaction at most (the arrays of one statement). */
const APPEND_BATCH_MAX = 500;

/** An append waiting for its room's transaction. */
interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

/**
 * A room's appends of one turn, run under the room's lock (`#appendBatch`):
 * `$1` the room, `$2…$11` arrays of the messages' id, author id, author name,
 * text, search words, client message id, time, mentions (JSON or null), the
 * keys their unread mentions are counted by (a JSON list) and attachments
 * (JSON), in arrival order. A message
 * whose (author, client message id) is stored already, or came earlier in the
 * batch, is skipped (NULL client ids never repeat); the others get the next
 * sequence numbers in order, with their events, and are returned.
 */
const APPEND_BATCH = `
  WITH batch AS (
    SELECT * FROM unnest(
      $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[],
      $11::text[]
    ) WITH ORDINALITY AS b(
      id, author_id, author_name, text, search_words, client_message_id, created_at, mentions, mention_keys,
      attachments, ordinal
    )
  ), fresh AS (
    SELECT DISTINCT ON (b.author_id, coalesce(b.client_message_id, b.id)) b.*
    FROM batch b
    WHERE b.client_message_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM messages x
      WHERE x.room_id = $1 AND x.author_id = b.author_id AND x.client_message_id = b.client_message_id
    )
    ORDER BY b.author_id, coalesce(b.client_message_id, b.id), b.ordinal
  ), numbered AS (
    SELECT f.*, r.last_seq + row_number() OVER (ORDER BY f.ordinal) AS seq
    FROM fresh f CROSS JOIN rooms r WHERE r.id = $1
  ), bump AS (
    UPDATE rooms SET last_seq = last_seq + (SELECT count(*) FROM numbered) WHERE id = $1
  ), inserted AS (
    INSERT INTO messages AS m
      (id, room_id, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
       attachments)
    SELECT id, $1, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
      attachments
    FROM numbered
    RETURNING ${MESSAGE_COLUMNS}
  ), event AS (
    INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
  ), mentioned AS (
    INSERT INTO message_mentions (room_id, user_id, seq)
    SELECT $1, k.key, n.seq FROM numbered n CROSS JOIN LATERAL jsonb_array_elements_text(n.mention_keys::jsonb) AS k(key)
  )
  SELECT * FROM inserted ORDER BY seq`;

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
 * A failure to reach the database in time, rather than an answer from it:
 * timeouts, refused or lost connections, and the server's own connection,
 * shutdown and resource errors (SQLSTATE classes 08, 57, 53).
 */
function isOutage(error: unknown): boolean {
  if (error instanceof ChatError) return false;
  if (!(error instanceof DatabaseError)) return true;
  return ['08', '57', '53'].includes(error.code?.slice(0, 2) ?? '');
}

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
