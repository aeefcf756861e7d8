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
import { SNIPPET_CLOSE, SNIPPET_OPEN, snippetFromMarked } from '../snippet.ts';
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

export class SqliteChatStore implements ChatStore {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  /**
   * Opens (creating it and its directory when missing) and migrates the database at `file`.
   * @example const store = SqliteChatStore.open(join(DEFAULT_DATA_DIR, DATABASE_FILE));
   */
  static open(file: string, options: SqliteChatStoreOptions = {}): SqliteChatStore {
    mkdirSync(dirname(file), { recursive: true });
    return new SqliteChatStore(new Database(file), options);
  }

  private constructor(db: Database.Database, options: SqliteChatStoreOptions) {
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
    this.#db.close();
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    return this.#write(() => {
      try {
        this.#sql('INSERT INTO users (id, username, guest, created_at) VALUES (?, ?, ?, ?)').run(
          user.id,
          user.username,
          user.guest ? 1 : 0,
          user.createdAt,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new ChatError('USERNAME_TAKEN', undefined, { cause: error });
        throw error;
      }
      if (user.passwordHash !== undefined) {
        this.#sql('INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)').run(user.id, user.passwordHash);
      }
      return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
    });
  }

  async getUser(id: UserId): Promise<User | undefined> {
    return this.#read(() => toUser(this.#sql('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined));
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    return this.#read(() =>
      toUser(this.#sql('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined),
    );
  }

  async getPasswordHash(userId: UserId): Promise<string | undefined> {
    return this.#read(() => {
      const row = this.#sql('SELECT password_hash FROM credentials WHERE user_id = ?').get(userId) as
        | { password_hash: string }
        | undefined;
      return row?.password_hash;
    });
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    return this.#write(() => {
      this.#sql('DELETE FROM counters WHERE reset_at <= ?').run(now);
      const row = this.#sql(
        `INSERT INTO counters (key, count, reset_at) VALUES (?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET count = count + 1
         RETURNING count, reset_at`,
      ).get(key, now + windowMs) as { count: number; reset_at: number };
      return { count: row.count, resetAt: row.reset_at };
    });
  }

  async peekCounter(key: string, now: number): Promise<CounterState> {
    return this.#read(() => {
      const row = this.#sql('SELECT count, reset_at FROM counters WHERE key = ? AND reset_at > ?').get(key, now) as
        | { count: number; reset_at: number }
        | undefined;
      return row ? { count: row.count, resetAt: row.reset_at } : { count: 0, resetAt: now };
    });
  }

  async resetCounter(key: string): Promise<void> {
    this.#write(() => this.#sql('DELETE FROM counters WHERE key = ?').run(key));
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    return this.#write(() => {
      try {
        this.#sql("INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, 'room', ?, ?, ?)").run(
          room.id,
          room.name,
          room.createdBy,
          room.createdAt,
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new ChatError('ROOM_NAME_TAKEN', undefined, { cause: error });
        throw error;
      }
      return {
        id: room.id,
        kind: 'room',
        name: room.name,
        createdBy: room.createdBy,
        createdAt: room.createdAt,
        lastSeq: 0,
      };
    });
  }

  async getRoom(id: RoomId): Promise<Room | undefined> {
    return this.#read(() => this.#room(id));
  }

  async getRoomByName(name: string): Promise<Room | undefined> {
    return this.#read(() => {
      const row = this.#sql("SELECT * FROM rooms WHERE name = ? AND kind = 'room'").get(name) as RoomRow | undefined;
      return row && toRoom(row);
    });
  }

  async listPublicRooms(userId: UserId): Promise<PublicRoom[]> {
    return this.#read(() => {
      const rows = this.#sql(
        `SELECT r.*,
           (SELECT count(*) FROM memberships m WHERE m.room_id = r.id) AS member_count,
           EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = r.id AND m.user_id = ?) AS joined
         FROM rooms r WHERE r.kind = 'room' ORDER BY r.name`,
      ).all(userId) as Array<RoomRow & { member_count: number; joined: number }>;
      return rows.map((row) => ({ room: toRoom(row), memberCount: row.member_count, joined: row.joined === 1 }));
    });
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    return this.#write(() => {
      const existing = this.#room(direct.id);
      if (existing) return { room: existing, created: false };
      this.#sql("INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, 'direct', NULL, ?, ?)").run(
        direct.id,
        direct.userIds[0],
        direct.createdAt,
      );
      const addMember = this.#sql('INSERT INTO memberships (room_id, user_id, joined_at) VALUES (?, ?, ?)');
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
      this.#sql('INSERT INTO memberships (room_id, user_id, joined_at, last_read_seq) VALUES (?, ?, ?, ?)').run(
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
      const { changes } = this.#sql('DELETE FROM memberships WHERE room_id = ? AND user_id = ?').run(roomId, userId);
      if (changes === 0) return { membership: null, event: null };
      const seq = this.#nextSeq(roomId);
      this.#insertEvent(roomId, seq, 'memberLeft', at, null, userId);
      return { membership: null, event: this.#event(roomId, seq) };
    });
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    return this.#read(() => this.#membership(roomId, userId));
  }

  async listMembers(roomId: RoomId): Promise<MemberRecord[]> {
    return this.#read(() => {
      const rows = this.#sql(
        `SELECT u.*, m.joined_at AS joined_at FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.room_id = ? ORDER BY u.username`,
      ).all(roomId) as Array<UserRow & { joined_at: number }>;
      return rows.map((row) => ({ user: toUser(row)!, joinedAt: row.joined_at }));
    });
  }

  async listUserRooms(userId: UserId): Promise<UserRoom[]> {
    return this.#read(() =>
      (this.#sql(`${USER_ROOMS} ORDER BY r.kind DESC, r.name, p.username`).all(userId) as UserRoomRow[]).map(
        toUserRoom,
      ),
    );
  }

  async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    return this.#read(() => {
      const row = this.#sql(`${USER_ROOMS} AND r.id = ?`).get(userId, roomId) as UserRoomRow | undefined;
      return row && toUserRoom(row);
    });
  }

  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#write(() => {
      this.#sql(
        `UPDATE memberships
         SET last_read_seq = max(last_read_seq, min(?, (SELECT last_seq FROM rooms WHERE id = ?)))
         WHERE room_id = ? AND user_id = ?`,
      ).run(seq, roomId, roomId, userId);
      const row = this.#sql(`${USER_ROOMS} AND r.id = ?`).get(userId, roomId) as UserRoomRow | undefined;
      return row && toUserRoom(row);
    });
  }

  // Messages and events

  async appendMessage(message: NewMessage): Promise<AppendResult> {
    return this.#write(() => {
      if (message.clientMessageId !== null) {
        const existing = this.#sql(
          'SELECT * FROM messages WHERE room_id = ? AND author_id = ? AND client_message_id = ?',
        ).get(message.roomId, message.authorId, message.clientMessageId) as MessageRow | undefined;
        if (existing) {
          const stored = toMessage(existing);
          return {
            message: stored,
            event: { type: 'message', roomId: stored.roomId, seq: stored.seq, at: stored.createdAt, message: stored },
            created: false,
          };
        }
      }
      const seq = this.#nextSeq(message.roomId);
      this.#sql(
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
      const stored = this.#message(message.id)!;
      return {
        message: stored,
        event: { type: 'message', roomId: message.roomId, seq, at: message.at, message: stored },
        created: true,
      };
    });
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', () =>
      this.#sql('UPDATE messages SET text = ?, edited_at = ? WHERE id = ?').run(text, at, messageId),
    );
  }

  async deleteMessage(messageId: MessageId, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', () =>
      this.#sql("UPDATE messages SET text = '', deleted_at = ? WHERE id = ?").run(at, messageId),
    );
  }

  async getMessage(id: MessageId): Promise<Message | undefined> {
    return this.#read(() => this.#message(id));
  }

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    return this.#read(() => {
      const rows = this.#sql('SELECT * FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(
        roomId,
        options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
        options.limit + 1,
      ) as MessageRow[];
      const hasMore = rows.length > options.limit;
      return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore };
    });
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return this.#read(() =>
      (
        this.#sql(`${EVENTS} WHERE e.room_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`).all(
          roomId,
          afterSeq,
          limit,
        ) as EventRow[]
      ).map(toEvent),
    );
  }

  // Search

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    if (query.terms.length === 0) return [];
    // Each term becomes a quoted prefix query: nothing the user typed is FTS5 syntax.
    const match = query.terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' ');
    return this.#read(() => {
      const rows = this.#sql(
        `SELECT m.*, r.id AS r_id, r.kind AS r_kind, r.name AS r_name, r.created_by AS r_created_by,
           r.created_at AS r_created_at, r.last_seq AS r_last_seq,
           snippet(messages_fts, 0, ?, ?, '…', 24) AS marked
         FROM messages_fts
         JOIN messages m ON m.row_id = messages_fts.rowid
         JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = ?
         JOIN rooms r ON r.id = m.room_id
         WHERE messages_fts MATCH ? AND m.deleted_at IS NULL AND (? IS NULL OR m.room_id = ?)
         ORDER BY m.created_at DESC, m.row_id DESC
         LIMIT ?`,
      ).all(
        SNIPPET_OPEN,
        SNIPPET_CLOSE,
        query.userId,
        match,
        query.roomId ?? null,
        query.roomId ?? null,
        query.limit,
      ) as SearchRow[];
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
        snippet: snippetFromMarked(row.marked),
      }));
    });
  }

  // Connections

  async addConnection(connection: Connection): Promise<number> {
    return this.#write(() => {
      this.#sql('INSERT OR REPLACE INTO connections (id, user_id, connected_at) VALUES (?, ?, ?)').run(
        connection.connectionId,
        connection.userId,
        connection.connectedAt,
      );
      return this.#connectionCount(connection.userId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#write(() => {
      const row = this.#sql('DELETE FROM connections WHERE id = ? RETURNING *').get(connectionId) as
        | ConnectionRow
        | undefined;
      if (!row) return undefined;
      return { connection: toConnection(row), remaining: this.#connectionCount(row.user_id) };
    });
  }

  async getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    return this.#read(() => {
      const row = this.#sql('SELECT * FROM connections WHERE id = ?').get(connectionId) as ConnectionRow | undefined;
      return row && toConnection(row);
    });
  }

  async listUserConnections(userId: UserId): Promise<Connection[]> {
    return this.#read(() =>
      (
        this.#sql('SELECT * FROM connections WHERE user_id = ? ORDER BY connected_at, id').all(
          userId,
        ) as ConnectionRow[]
      ).map(toConnection),
    );
  }

  async listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    return this.#read(() =>
      (
        this.#sql(
          `SELECT c.* FROM connections c JOIN memberships m ON m.user_id = c.user_id
           WHERE m.room_id = ? ORDER BY c.connected_at, c.id`,
        ).all(roomId) as ConnectionRow[]
      ).map(toConnection),
    );
  }

  async listOnlineUsers(): Promise<User[]> {
    return this.#read(() =>
      (
        this.#sql(
          'SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM connections c WHERE c.user_id = u.id) ORDER BY u.username',
        ).all() as UserRow[]
      ).map((row) => toUser(row)!),
    );
  }

  async clearConnections(): Promise<void> {
    this.#write(() => this.#sql('DELETE FROM connections').run());
  }

  // Plumbing

  #sql(source: string): Database.Statement {
    let statement = this.#statements.get(source);
    if (!statement) {
      statement = this.#db.prepare(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  /** Runs a read, translating driver failures to STORE_UNAVAILABLE. */
  #read<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Runs a write as one `BEGIN IMMEDIATE` transaction (takes the write lock up front, so no upgrade deadlock). */
  #write<T>(work: () => T): T {
    try {
      return this.#db.transaction(work).immediate();
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Bumps and returns the room's sequence number; must run inside `#write`. */
  #nextSeq(roomId: RoomId): number {
    const row = this.#sql('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq').get(roomId) as
      | { last_seq: number }
      | undefined;
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
    this.#sql('INSERT INTO events (room_id, seq, type, at, message_id, user_id) VALUES (?, ?, ?, ?, ?, ?)').run(
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

  #room(id: RoomId): Room | undefined {
    const row = this.#sql('SELECT * FROM rooms WHERE id = ?').get(id) as RoomRow | undefined;
    return row && toRoom(row);
  }

  #membership(roomId: RoomId, userId: UserId): Membership | undefined {
    const row = this.#sql('SELECT * FROM memberships WHERE room_id = ? AND user_id = ?').get(roomId, userId) as
      | MembershipRow
      | undefined;
    return row && { roomId: row.room_id, userId: row.user_id, joinedAt: row.joined_at, lastReadSeq: row.last_read_seq };
  }

  #message(id: MessageId): Message | undefined {
    const row = this.#sql('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    return row && toMessage(row);
  }

  #event(roomId: RoomId, seq: number): RoomEvent {
    return toEvent(this.#sql(`${EVENTS} WHERE e.room_id = ? AND e.seq = ?`).get(roomId, seq) as EventRow);
  }

  #connectionCount(userId: UserId): number {
    return (this.#sql('SELECT count(*) AS n FROM connections WHERE user_id = ?').get(userId) as { n: number }).n;
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

// Rows and their mapping to domain records.

const USER_ROOMS = `
  SELECT r.*, m.user_id AS member_id, m.joined_at AS joined_at, m.last_read_seq AS last_read_seq,
    (SELECT count(*) FROM messages x
      WHERE x.room_id = r.id AND x.seq > m.last_read_seq AND x.deleted_at IS NULL AND x.author_id <> m.user_id) AS unread,
    p.id AS peer_id, p.username AS peer_username, p.guest AS peer_guest, p.created_at AS peer_created_at
  FROM memberships m
  JOIN rooms r ON r.id = m.room_id
  LEFT JOIN memberships pm ON r.kind = 'direct' AND pm.room_id = r.id AND pm.user_id <> m.user_id
  LEFT JOIN users p ON p.id = pm.user_id
  WHERE m.user_id = ?`;

const EVENTS = `
  SELECT e.room_id AS e_room_id, e.seq AS e_seq, e.type AS e_type, e.at AS e_at,
    m.*, u.id AS u_id, u.username AS u_username, u.guest AS u_guest, u.created_at AS u_created_at
  FROM events e
  LEFT JOIN messages m ON m.id = e.message_id
  LEFT JOIN users u ON u.id = e.user_id`;

interface UserRow {
  id: string;
  username: string;
  guest: number;
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
  peer_guest: number | null;
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
  u_guest: number | null;
  u_created_at: number | null;
}

interface SearchRow extends MessageRow {
  r_id: string;
  r_kind: 'room' | 'direct';
  r_name: string | null;
  r_created_by: string | null;
  r_created_at: number;
  r_last_seq: number;
  marked: string;
}

interface ConnectionRow {
  id: string;
  user_id: string;
  connected_at: number;
}

function toUser(row: UserRow | undefined): User | undefined {
  return row && { id: row.id, username: row.username, guest: row.guest === 1, createdAt: row.created_at };
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
        : {
            id: row.peer_id,
            username: row.peer_username!,
            guest: row.peer_guest === 1,
            createdAt: row.peer_created_at!,
          },
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
          guest: row.u_guest === 1,
          createdAt: row.u_created_at!,
        }),
      };
  }
}

function toConnection(row: ConnectionRow): Connection {
  return { connectionId: row.id, userId: row.user_id, connectedAt: row.connected_at };
}
