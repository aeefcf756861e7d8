/**
 * The embedded store: one SQLite file (better-sqlite3) in WAL mode.
 *
 * - Durability: `synchronous = FULL` by default, so a resolved write survives a
 *   power cut, not only a process crash (the chat acknowledges on that basis).
 * - Sequence numbers: each event-producing write is one `BEGIN IMMEDIATE`
 *   transaction that bumps `rooms.last_seq` and inserts the event and the row
 *   change together; SQLite's single writer makes the numbers consecutive, also
 *   with several processes on the same file.
 * - Search: an FTS5 external-content index over `messages.text`, maintained by
 *   triggers (store/sqlite/migrations.ts); user terms are quoted, never parsed.
 * - Schema: versioned with `PRAGMA user_version` (store/sqlite/migrations.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { SNIPPET_CLOSE, SNIPPET_OPEN, snippetFromMarked } from '../snippet.ts';
import {
  type ConnectionRow,
  type CounterRow,
  type EventRow,
  type MembershipRow,
  type MessageRow,
  type RoomRow,
  type SearchRow,
  toAppendResult,
  toConnection,
  toCounter,
  toEvent,
  toMembership,
  toMessage,
  toRoom,
  toSearchHit,
  toUserRoom,
  type UserRoomRow,
} from '../sql/rows.ts';
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import { EVENTS, SEARCH_HIT_COLUMNS, type SqlDialect } from '../sql/statements.ts';
import { migrations } from './migrations.ts';

/** The data directory when none is configured, and the database file inside it. */
export const DEFAULT_DATA_DIR = './data';
export const DATABASE_FILE = 'chat.db';

export interface SqliteChatStoreOptions {
  /**
   * `FULL` syncs the WAL on every commit (durable across power loss); `NORMAL`
   * only at checkpoints (durable across process crashes), faster.
   * @default 'FULL'
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's lock before failing with STORE_UNAVAILABLE. @default 5000 */
  busyTimeoutMs?: number;
}

const defaults = { synchronous: 'FULL', busyTimeoutMs: 5000 } satisfies Required<SqliteChatStoreOptions>;

/**
 * SQLite's spelling of the shared statements: `?` bound in order; names compared
 * through their `COLLATE NOCASE` columns, and sorted by each column's collation.
 */
const dialect: SqlDialect = { param: () => '?', sameName: (column, value) => `${column} = ${value}`, textOrder: '' };

export class SqliteChatStore extends SqlChatStore implements ChatStore {
  readonly #db: Database.Database;
  /** Appends waiting for this event-loop turn's group commit. */
  #pendingAppends: {
    message: NewMessage;
    resolve: (result: AppendResult) => void;
    reject: (error: Error) => void;
  }[] = [];
  readonly #prepared = new Map<string, Database.Statement>();

  /**
   * Opens (creating it and its directory when missing) and migrates the database at `file`.
   * @example const store = SqliteChatStore.open(join(DEFAULT_DATA_DIR, DATABASE_FILE));
   */
  static open(file: string, options: SqliteChatStoreOptions = {}): SqliteChatStore {
    mkdirSync(dirname(file), { recursive: true });
    return new SqliteChatStore(new Database(file), options);
  }

  private constructor(db: Database.Database, options: SqliteChatStoreOptions) {
    super(dialect);
    const settings = { ...defaults, ...options };
    this.#db = db;
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(settings.busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${settings.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
  }

  /** Closes the database (checkpointing the WAL). The store is unusable afterwards. */
  async close(): Promise<void> {
    // Appends waiting for this turn's group commit are written, not lost.
    this.#commitAppends();
    this.#db.close();
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    return this.#write(() => {
      this.#claimName('USERNAME_TAKEN', () =>
        this.#prepare('INSERT INTO users (id, username, guest, created_at) VALUES (?, ?, ?, ?)').run(
          user.id,
          user.username,
          user.guest ? 1 : 0,
          user.createdAt,
        ),
      );
      if (user.passwordHash !== undefined) {
        this.#prepare('INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)').run(user.id, user.passwordHash);
      }
      return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
    });
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    return this.#write(() => {
      this.#prepare('DELETE FROM counters WHERE reset_at <= ?').run(now);
      const row = this.#prepare(
        `INSERT INTO counters (key, count, reset_at) VALUES (?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET count = count + 1
         RETURNING count, reset_at`,
      ).get(key, now + windowMs) as CounterRow;
      return toCounter(row);
    });
  }

  async resetCounter(key: string): Promise<void> {
    this.#write(() => this.#prepare(this.sql.deleteCounter).run(key));
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    return this.#write(() =>
      toRoom(
        this.#claimName(
          'ROOM_NAME_TAKEN',
          () => this.#prepare(this.sql.insertRoom).get(room.id, room.name, room.createdBy, room.createdAt) as RoomRow,
        ),
      ),
    );
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    return this.#write(() => {
      const existing = this.#room(direct.id);
      if (existing) return { room: existing, created: false };
      this.#prepare("INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, 'direct', NULL, ?, ?)").run(
        direct.id,
        direct.userIds[0],
        direct.createdAt,
      );
      const addMember = this.#prepare('INSERT INTO memberships (room_id, user_id, joined_at) VALUES (?, ?, ?)');
      for (const userId of direct.userIds) addMember.run(direct.id, userId, direct.createdAt);
      return { room: this.#room(direct.id)!, created: true };
    });
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    return this.#write(() => {
      const existing = this.#membership(roomId, userId);
      if (existing) return { membership: existing, event: null };
      const seq = this.#nextSeq(roomId);
      // A new member has read everything up to their own arrival.
      this.#prepare('INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES (?, ?, ?, ?)').run(
        roomId,
        userId,
        at,
        seq,
      );
      this.#insertEvent(roomId, seq, 'memberJoined', at, null, userId);
      return { membership: this.#membership(roomId, userId)!, event: this.#event(roomId, seq) };
    });
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    return this.#write(() => {
      const { changes } = this.#prepare('DELETE FROM memberships WHERE room_id = ? AND user_id = ?').run(
        roomId,
        userId,
      );
      if (changes === 0) return { membership: null, event: null };
      const seq = this.#nextSeq(roomId);
      this.#insertEvent(roomId, seq, 'memberLeft', at, null, userId);
      return { membership: null, event: this.#event(roomId, seq) };
    });
  }

  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#write(() => {
      this.#prepare(
        `UPDATE memberships
         SET last_read_seq = max(last_read_seq, min(?, (SELECT last_seq FROM rooms WHERE id = ?)))
         WHERE room_id = ? AND user_id = ?`,
      ).run(seq, roomId, roomId, userId);
      const row = this.#prepare(this.sql.userRoom).get(userId, roomId) as UserRoomRow | undefined;
      return row && toUserRoom(row);
    });
  }

  // Messages and events

  /**
   * Group commit: the appends of one event-loop turn share one transaction, so one
   * fsync (`synchronous = FULL`) makes them all durable before any is acknowledged,
   * instead of one fsync per message. Each append runs in its own savepoint, so one
   * that fails (an unknown room) fails alone.
   */
  async appendMessage(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.#pendingAppends.push({ message, resolve, reject }) === 1) setImmediate(this.#commitAppends);
    });
  }

  readonly #commitAppends = (): void => {
    const batch = this.#pendingAppends;
    if (batch.length === 0) return;
    this.#pendingAppends = [];
    const outcomes: ({ ok: true; result: AppendResult } | { ok: false; error: Error })[] = [];
    try {
      this.#write(() => {
        for (const { message } of batch) {
          try {
            // A nested better-sqlite3 transaction is a savepoint: a failure undoes only this append.
            outcomes.push({ ok: true, result: this.#db.transaction(() => this.#appendOne(message))() });
          } catch (error) {
            outcomes.push({ ok: false, error: storeError(error) });
          }
        }
      });
    } catch (error) {
      for (const pending of batch) pending.reject(storeError(error));
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index] as (typeof outcomes)[number];
      if (outcome.ok) pending.resolve(outcome.result);
      else pending.reject(outcome.error);
    });
  };

  #appendOne(message: NewMessage): AppendResult {
    if (message.clientMessageId !== null) {
      const existing = this.#prepare(this.sql.messageByClientId).get(
        message.roomId,
        message.authorId,
        message.clientMessageId,
      ) as MessageRow | undefined;
      if (existing) return toAppendResult(existing, false);
    }
    const seq = this.#nextSeq(message.roomId);
    this.#prepare(
      `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      message.id,
      message.roomId,
      seq,
      message.authorId,
      message.authorName,
      message.text,
      message.clientMessageId,
      message.at,
    );
    this.#insertEvent(message.roomId, seq, 'message', message.at, message.id, null);
    return toAppendResult(this.#prepare(this.sql.messageById).get(message.id) as MessageRow, true);
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', () =>
      this.#prepare('UPDATE messages SET text = ?, edited_at = ? WHERE id = ?').run(text, at, messageId),
    );
  }

  async deleteMessage(messageId: MessageId, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', () =>
      this.#prepare("UPDATE messages SET text = '', deleted_at = ? WHERE id = ?").run(at, messageId),
    );
  }

  // Search

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    if (query.terms.length === 0) return [];
    // Each term becomes a quoted prefix query: nothing the user typed is FTS5 syntax.
    const match = query.terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' ');
    const rows = await this.query<SearchRow & { marked: string }>(
      `SELECT ${SEARCH_HIT_COLUMNS}, snippet(messages_fts, 0, ?, ?, '…', 24) AS marked
       FROM messages_fts
       JOIN messages m ON m.row_id = messages_fts.rowid
       JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = ?
       JOIN rooms r ON r.id = m.room_id
       WHERE messages_fts MATCH ? AND m.deleted_at IS NULL AND (? IS NULL OR m.room_id = ?)
       ORDER BY m.created_at DESC, m.row_id DESC
       LIMIT ?`,
      [SNIPPET_OPEN, SNIPPET_CLOSE, query.userId, match, query.roomId ?? null, query.roomId ?? null, query.limit],
    );
    return rows.map((row) => toSearchHit(row, snippetFromMarked(row.marked)));
  }

  // Connections

  async addConnection(connection: Connection): Promise<number> {
    return this.#write(() => {
      this.#prepare('INSERT OR REPLACE INTO connections (id, user_id, connected_at) VALUES (?, ?, ?)').run(
        connection.connectionId,
        connection.userId,
        connection.connectedAt,
      );
      return this.#connectionCount(connection.userId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#write(() => {
      const row = this.#prepare(this.sql.deleteConnection).get(connectionId) as ConnectionRow | undefined;
      if (!row) return undefined;
      return { connection: toConnection(row), remaining: this.#connectionCount(row.user_id) };
    });
  }

  async clearConnections(): Promise<void> {
    this.#write(() => this.#prepare('DELETE FROM connections').run());
  }

  // Plumbing

  /** One read, outside any transaction (WAL gives it a consistent snapshot), with errors translated. */
  protected async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      return this.#prepare(text).all(...values) as R[];
    } catch (error) {
      throw storeError(error);
    }
  }

  #prepare(source: string): Database.Statement {
    let statement = this.#prepared.get(source);
    if (!statement) {
      statement = this.#db.prepare(source);
      this.#prepared.set(source, statement);
    }
    return statement;
  }

  /** Runs a write as one `BEGIN IMMEDIATE` transaction (takes the write lock up front, so no upgrade deadlock). */
  #write<T>(work: () => T): T {
    try {
      return this.#db.transaction(work).immediate();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Runs `insert`, an insert whose constraint failures mean the name it adds is taken: they become `code`. */
  #claimName<T>(code: 'USERNAME_TAKEN' | 'ROOM_NAME_TAKEN', insert: () => T): T {
    try {
      return insert();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ChatError(code, undefined, { cause: error });
      throw error;
    }
  }

  /** Bumps and returns the room's sequence number; must run inside `#write`. */
  #nextSeq(roomId: RoomId): number {
    const row = this.#prepare(this.sql.nextSeq).get(roomId) as { last_seq: number } | undefined;
    if (!row) throw new ChatError('ROOM_NOT_FOUND');
    return row.last_seq;
  }

  #insertEvent(
    roomId: RoomId,
    seq: number,
    type: RoomEvent['type'],
    at: number,
    messageId: MessageId | null,
    userId: UserId | null,
  ): void {
    this.#prepare('INSERT INTO events (room_id, seq, type, at, message_id, user_id) VALUES (?, ?, ?, ?, ?, ?)').run(
      roomId,
      seq,
      type,
      at,
      messageId,
      userId,
    );
  }

  #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    change: () => void,
  ): MessageEvent | undefined {
    return this.#write(() => {
      const current = this.#message(messageId);
      if (!current || current.deletedAt !== null) return undefined;
      const seq = this.#nextSeq(current.roomId);
      change();
      this.#insertEvent(current.roomId, seq, type, at, messageId, null);
      return { type, roomId: current.roomId, seq, at, message: this.#message(messageId)! };
    });
  }

  // Reads inside `#write`, synchronous so the transaction stays one.

  #room(id: RoomId): Room | undefined {
    const row = this.#prepare(this.sql.roomById).get(id) as RoomRow | undefined;
    return row && toRoom(row);
  }

  #membership(roomId: RoomId, userId: UserId): Membership | undefined {
    const row = this.#prepare(this.sql.membership).get(roomId, userId) as MembershipRow | undefined;
    return row && toMembership(row);
  }

  #message(id: MessageId): Message | undefined {
    const row = this.#prepare(this.sql.messageById).get(id) as MessageRow | undefined;
    return row && toMessage(row);
  }

  #event(roomId: RoomId, seq: number): RoomEvent {
    return toEvent(this.#prepare(`${EVENTS} WHERE e.room_id = ? AND e.seq = ?`).get(roomId, seq) as EventRow);
  }

  #connectionCount(userId: UserId): number {
    return (this.#prepare(this.sql.connectionCount).get(userId) as { n: number }).n;
  }
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

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT');
}

function storeError(error: unknown): Error {
  if (error instanceof ChatError) return error;
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}
