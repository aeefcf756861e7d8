/**
 * The embedded store: one SQLite file (better-sqlite3) in WAL mode.
 *
 * - Durability: `synchronous = FULL` by default, so a resolved write survives a
 *   power cut, not only a process crash (the chat acknowledges on that basis).
 *   Message appends are group-committed: one transaction per event-loop turn,
 *   made durable by a WAL sync off the event loop (store/sqlite/wal-sync.ts).
 * - Sequence numbers: each event-producing write is one `BEGIN IMMEDIATE`
 *   transaction that bumps `rooms.last_seq` and inserts the event and the row
 *   change together; SQLite's single writer makes the numbers consecutive, also
 *   with several processes on the same file.
 * - Search: an FTS5 external-content index over `messages.text`, maintained by
 *   triggers (store/sqlite/migrations.ts); user terms are quoted, never parsed.
 * - Off the write path: connections and rate-limit windows (typing, log-ins)
 *   are in-memory tables (`ephemeralTables`), and read markers are kept in memory
 *   and written together every `readMarkerFlushMs`. A looping client that sends
 *   `typing` or `markRead` costs no fsync per frame, so it cannot stall the event
 *   loop (better-sqlite3 is synchronous) for everyone else.
 * - Schema: versioned with `PRAGMA user_version` (store/sqlite/migrations.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ChatError } from '../../domain/errors.ts';
import { ChatLimits } from '../../domain/limits.ts';
import { mentionKeys } from '../../domain/mentions.ts';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import { applyReaction, type ReactionChange } from '../../domain/reactions.ts';
import { requireThreadRoot, withReply } from '../../domain/threads.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
  Membership,
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
  Page,
  ReplyResult,
  SearchQuery,
  ThreadRoot,
  UploadClaim,
  UserKey,
} from '../../ports/chat-store.ts';
import { appendResult, newMessage } from '../new-message.ts';
import { writtenReply } from '../reply-result.ts';
import { SNIPPET_CLOSE, SNIPPET_OPEN, snippetFromMarked } from '../snippet.ts';
import {
  auditValues,
  type ConnectionRow,
  type CounterRow,
  type EventRow,
  type MembershipRow,
  type MessageRow,
  type RoomRow,
  type SearchRow,
  toConnection,
  toCounter,
  toEvent,
  toMembership,
  toMessage,
  toRoom,
  toSearchHit,
  toUser,
  type UserRow,
} from '../sql/rows.ts';
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import { EVENTS, inTimeline, SEARCH_HIT_COLUMNS, type SqlDialect } from '../sql/statements.ts';
import { ephemeralTables, migrations } from './migrations.ts';
import { WalSync } from './wal-sync.ts';

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
  /**
   * Read markers are coalesced in memory (forward only, per member and room) and
   * written in one transaction this often, and at close. A crash loses at most
   * this much of read progress, never a message. @default 1000
   */
  readMarkerFlushMs?: number;
  /** Called with the text of every statement the store runs (better-sqlite3's `verbose`), e.g. to trace them. */
  trace?: (sql: string) => void;
}

const defaults = {
  synchronous: 'FULL',
  busyTimeoutMs: 5000,
  readMarkerFlushMs: 1000,
} satisfies Omit<Required<SqliteChatStoreOptions>, 'trace'>;

/**
 * SQLite's spelling of the shared statements: `?` bound in order; names compared
 * through their `COLLATE NOCASE` columns, and sorted by each column's collation.
 */
const dialect: SqlDialect = { param: () => '?', sameName: (column, value) => `${column} = ${value}`, textOrder: '' };

/** The `rooms` column of each room setting `#changeRoom` sets. */
const ROOM_COLUMNS = { topic: 'topic', name: 'name', visibility: 'visibility', readOnly: 'read_only' } as const;

/** What became of one append of a group commit. */
type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: Error };

export class SqliteChatStore extends SqlChatStore implements ChatStore {
  readonly #db: Database.Database;
  /** Appends waiting for this event-loop turn's group commit. */
  #pendingAppends: {
    message: NewMessage;
    resolve: (result: AppendResult) => void;
    reject: (error: Error) => void;
  }[] = [];
  /**
   * One append in a savepoint (better-sqlite3 nests a transaction as one), so a failure
   * undoes only that append of a group commit written again. Made once: wrapping is not free.
   */
  readonly #appendInSavepoint: (message: NewMessage) => AppendResult;
  /** Runs its argument in a transaction; made once, like the one above. */
  readonly #inTransaction: Database.Transaction<(work: () => unknown) => unknown>;
  readonly #prepared = new Map<string, Database.Statement>();
  /** Read markers not written yet, by `readKey`: the highest `seq` asked for (already capped). */
  readonly #pendingReads = new Map<string, { roomId: RoomId; userId: UserId; seq: number }>();
  readonly #readMarkerFlushMs: number;
  #readFlush: NodeJS.Timeout | undefined;
  /** With `synchronous = FULL` on a file in WAL mode: the off-loop sync that makes appends durable. */
  readonly #walSync: WalSync | undefined;

  /**
   * Opens (creating it and its directory when missing) and migrates the database at `file`.
   * @example const store = SqliteChatStore.open(join(DEFAULT_DATA_DIR, DATABASE_FILE));
   */
  static open(file: string, options: SqliteChatStoreOptions = {}): SqliteChatStore {
    mkdirSync(dirname(file), { recursive: true });
    return new SqliteChatStore(new Database(file, { verbose: traceOf(options.trace) }), file, options);
  }

  private constructor(db: Database.Database, file: string, options: SqliteChatStoreOptions) {
    super(dialect);
    const settings = { ...defaults, ...options };
    this.#db = db;
    this.#appendInSavepoint = db.transaction((message: NewMessage) => this.#appendOne(message));
    this.#inTransaction = db.transaction((work: () => unknown) => work());
    this.#readMarkerFlushMs = Math.max(0, settings.readMarkerFlushMs);
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

  /** Closes the database (checkpointing the WAL). The store is unusable afterwards. */
  async close(): Promise<void> {
    // Appends waiting for this turn's group commit and pending read markers are written, not lost.
    this.#commitAppends();
    this.#flushReads();
    this.#walSync?.close();
    this.#db.close();
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    return this.#write(() => {
      this.#claimName('USERNAME_TAKEN', () =>
        this.#prepare('INSERT INTO users (id, username, guest, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)').run(
          user.id,
          user.username,
          user.guest ? 1 : 0,
          user.createdAt,
          user.guest ? user.createdAt : null,
        ),
      );
      if (user.passwordHash !== undefined) {
        this.#prepare('INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)').run(user.id, user.passwordHash);
      }
      return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
    });
  }

  async setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    this.#write(() => this.#prepare(this.sql.updatePasswordHash).run(passwordHash, userId));
  }

  // Guests

  /** Synced off the event loop: a restart's reconnecting guests would otherwise cost one fsync each on it. */
  async recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    await this.#writeUnpublished(() => this.#prepare(this.sql.guestSeen).run(at, userId, unlessSince));
  }

  async renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    return this.#write(() => this.#prepare(this.sql.renameAuthor).run(name, userId, name, limit).changes);
  }

  async retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    return this.#write(() =>
      this.#claimName(
        'USERNAME_TAKEN',
        () => this.#prepare(this.sql.retireGuest).all(formerName, at, userId).length > 0,
      ),
    );
  }

  // Sessions

  async createSession(session: SessionRecord): Promise<void> {
    this.#write(() => {
      // A bounded sweep of expired sessions beside each new one keeps the table to the live ones.
      this.#prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT 100)').run(
        session.createdAt,
      );
      this.#prepare('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(
        session.id,
        session.userId,
        session.createdAt,
        session.expiresAt,
      );
    });
  }

  async deleteSession(id: string): Promise<void> {
    this.#write(() => this.#prepare(this.sql.deleteSession).run(id));
  }

  async banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    this.#write(() => this.#prepare(this.sql.banFromRoom).run(roomId, userId, at));
  }

  async claimUploads({ roomId, authorId, fileIds, clientMessageId, at }: UploadClaim): Promise<string | undefined> {
    let refused: string | undefined;
    try {
      this.#write(() => {
        const claim = this.#prepare(this.sql.claimUpload);
        refused = fileIds.find((fileId) => claim.get(roomId, authorId, fileId, clientMessageId, at) === undefined);
        // Throwing is how a better-sqlite3 transaction rolls back: the claims made before it go too.
        if (refused !== undefined) throw new ChatError('FILE_NOT_FOUND');
      });
    } catch (error) {
      if (refused === undefined) throw error;
    }
    return refused;
  }

  async liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.#write(() => this.#prepare(this.sql.liftRoomBan).get(roomId, userId) !== undefined);
  }

  async deactivateUser(userId: UserId, at: number): Promise<boolean> {
    return this.#write(() => this.#prepare(this.sql.deactivate).get(userId, at) !== undefined);
  }

  async appendAuditEntry(entry: AuditEntry): Promise<void> {
    this.#write(() => this.#prepare(this.sql.insertAudit).run(...auditValues(entry)));
  }

  async deleteUserSessions(userId: UserId): Promise<void> {
    this.#write(() => this.#prepare(this.sql.deleteUserSessions).run(userId));
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    return this.#ephemeral(() => {
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
    this.#ephemeral(() => this.#prepare(this.sql.deleteCounter).run(key));
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    return this.#write(() =>
      toRoom(
        this.#claimName(
          'ROOM_NAME_TAKEN',
          () =>
            this.#prepare(this.sql.insertRoom).get(
              room.id,
              room.name,
              room.createdBy,
              room.createdAt,
              room.visibility ?? 'public',
            ) as RoomRow,
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

  #removeMember(roomId: RoomId, userId: UserId, at: number): MembershipResult {
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

  override async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    const membership = await super.getMembership(roomId, userId);
    const pending = this.#pendingReads.get(readKey(roomId, userId));
    return membership && pending ? { ...membership, lastReadSeq: pending.seq } : membership;
  }

  override async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    const view = await super.getUserRoom(userId, roomId);
    return view && this.#withPendingRead(view);
  }

  override async listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]> {
    return (await super.listUserRooms(userId, page)).map((view) => this.#withPendingRead(view));
  }

  /**
   * Moves the marker in memory (see `readMarkerFlushMs`); the answer and every
   * read of this store see it at once.
   */
  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    const view = await this.getUserRoom(userId, roomId);
    if (!view) return undefined;
    const target = Math.min(seq, view.room.lastSeq);
    if (target <= view.membership.lastReadSeq) return view;
    this.#pendingReads.set(readKey(roomId, userId), { roomId, userId, seq: target });
    this.#readFlush ??= setTimeout(this.#flushReads, this.#readMarkerFlushMs);
    return this.#withPendingRead(view);
  }

  async markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    // The marker is the stored one or, further on, one still waiting for its flush.
    const key = readKey(roomId, userId);
    const pending = this.#pendingReads.get(key)?.seq ?? 0;
    this.#write(() =>
      this.#prepare(
        'UPDATE memberships SET last_read_seq = ? WHERE room_id = ? AND user_id = ? AND max(last_read_seq, ?) > ?',
      ).run(seq, roomId, userId, pending, seq),
    );
    // A waiting marker past `seq` would move it forward again at the flush.
    if (pending > seq) this.#pendingReads.delete(key);
    return this.getUserRoom(userId, roomId);
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    this.#pendingReads.delete(readKey(roomId, userId));
    return this.#removeMember(roomId, userId, at);
  }

  async setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, { field: 'topic', value: topic }, { type: 'topicChanged', topic }, by, at);
  }

  async renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#changeRoom(roomId, { field: 'name', value: name }, { type: 'roomRenamed', detail: name }, by, at);
  }

  async setRoomVisibility(
    roomId: RoomId,
    visibility: RoomVisibility,
    by: UserId,
    at: number,
  ): Promise<RoomEvent | null> {
    const event = { type: 'visibilityChanged', visibility } as const;
    return this.#changeRoom(roomId, { field: 'visibility', value: visibility }, event, by, at);
  }

  async setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    return this.#write(() => {
      if (!this.#room(roomId)) throw new ChatError('ROOM_NOT_FOUND');
      const membership = this.#membership(roomId, userId);
      if (!membership) throw new ChatError('MEMBER_NOT_FOUND');
      if (membership.role === role) return null;
      const seq = this.#nextSeq(roomId);
      this.#prepare('UPDATE memberships SET role = ? WHERE room_id = ? AND user_id = ?').run(role, roomId, userId);
      this.#insertEvent(roomId, seq, 'memberRoleChanged', at, null, userId, null, null, role);
      return toEvent(this.#prepare(this.sql.eventAt).get(roomId, seq) as EventRow);
    });
  }

  async setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    const event = { type: 'readOnlyChanged', detail: readOnly ? 'on' : 'off' } as const;
    return this.#changeRoom(roomId, { field: 'readOnly', value: readOnly }, event, by, at);
  }

  /**
   * Sets one field of a `room`-kind room and appends its event naming `by`, with what the
   * event keeps (`topic`, `visibility` or `detail`); `null` (nothing written) when the room
   * already had it. Rejects with ROOM_NOT_FOUND (also a direct conversation), and with
   * ROOM_NAME_TAKEN for a name another room has (the unique index).
   */
  #changeRoom<F extends 'topic' | 'name' | 'visibility' | 'readOnly'>(
    roomId: RoomId,
    setting: { field: F; value: Room[F] },
    event: { type: RoomEvent['type']; topic?: string | null; visibility?: RoomVisibility; detail?: string },
    by: UserId,
    at: number,
  ): RoomEvent | null {
    const { field, value } = setting;
    return this.#write(() => {
      const room = this.#room(roomId);
      if (room?.kind !== 'room') throw new ChatError('ROOM_NOT_FOUND');
      if (room[field] === value) return null;
      const seq = this.#nextSeq(roomId);
      const update = this.#prepare(`UPDATE rooms SET ${ROOM_COLUMNS[field]} = ? WHERE id = ?`);
      const stored = typeof value === 'boolean' ? Number(value) : value;
      if (field === 'name') this.#claimName('ROOM_NAME_TAKEN', () => update.run(stored, roomId));
      else update.run(stored, roomId);
      const { type, topic = null, visibility = null, detail = null } = event;
      this.#insertEvent(roomId, seq, type, at, null, by, topic, visibility, detail);
      return this.#event(roomId, seq);
    });
  }

  // Messages and events

  /**
   * Group commit: the appends of one event-loop turn share one transaction, so one
   * fsync makes them all durable before any is acknowledged, instead of one fsync
   * per message; that fsync runs off the event loop (`WalSync`) and covers every
   * turn committed while the previous one ran. An append that fails fails alone:
   * the batch is first written as it is, and only when one of its appends throws is
   * that transaction rolled back and the batch written again with each append in a
   * savepoint of its own (a savepoint per append on every batch cost a few percent
   * of the send path). The batch's new messages are indexed for search at its end.
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
    let outcomes: AppendOutcome[];
    const walSync = this.#walSync;
    const commit = (appendAll: () => AppendOutcome[]): AppendOutcome[] =>
      walSync ? this.#withoutCommitSync(appendAll) : this.#write(appendAll);
    const indexed = (outcomes: AppendOutcome[]): AppendOutcome[] => {
      this.#indexForSearch(
        outcomes.flatMap((outcome) => (outcome.ok && outcome.result.created ? [outcome.result.message.id] : [])),
      );
      return outcomes;
    };
    try {
      try {
        outcomes = commit(() => indexed(batch.map(({ message }) => ({ ok: true, result: this.#appendOne(message) }))));
      } catch {
        outcomes = commit(() => indexed(batch.map(({ message }) => this.#appendIsolated(message))));
      }
    } catch (error) {
      for (const pending of batch) pending.reject(storeError(error));
      return;
    }
    const durable = walSync?.whenDurable();
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

  /** Runs `work` as one write transaction committed without a sync; `WalSync` makes it durable. */
  #withoutCommitSync<T>(work: () => T): T {
    this.#prepare('PRAGMA synchronous = NORMAL').run();
    let result: T;
    try {
      result = this.#inTransaction.immediate(work) as T;
    } finally {
      this.#prepare('PRAGMA synchronous = FULL').run();
    }
    this.#walSync?.committed();
    return result;
  }

  #appendOne(message: NewMessage): AppendResult {
    if (message.clientMessageId !== null) {
      const existing = this.#prepare(this.sql.messageByClientId).get(
        message.roomId,
        message.authorId,
        message.clientMessageId,
      ) as MessageRow | undefined;
      if (existing) return appendResult(toMessage(existing), false);
    }
    const seq = this.#nextSeq(message.roomId);
    this.#prepare(
      `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at, mentions,
         attachments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
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
    this.#insertMentions(message, seq);
    this.#insertEvent(message.roomId, seq, 'message', message.at, message.id, null);
    return appendResult(newMessage(message, seq), true);
  }

  /** The index that counts a member's unread mentions (statements.ts `countMentions`). */
  #insertMentions(message: NewMessage, seq: number): void {
    const mention = this.#prepare('INSERT INTO message_mentions (room_id, user_id, seq) VALUES (?, ?, ?)');
    for (const key of mentionKeys(message.mentions)) mention.run(message.roomId, key, seq);
  }

  // Threads

  /** One `IMMEDIATE` transaction: the root is checked under the write lock, as every change of it takes that lock. */
  async appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#write(() => {
      const root = requireThreadRoot(this.#message(reply.rootId), reply.roomId);
      if (reply.clientMessageId !== null) {
        const existing = this.#prepare(this.sql.messageByClientId).get(
          reply.roomId,
          reply.authorId,
          reply.clientMessageId,
        ) as MessageRow | undefined;
        if (existing) return { message: toMessage(existing), root, events: [], created: false };
      }
      if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
      const seq = this.#nextSeq(reply.roomId);
      this.#prepare(
        `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at,
           thread_root_id, also_to_room, mentions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        reply.id,
        reply.roomId,
        seq,
        reply.authorId,
        reply.authorName,
        reply.text,
        reply.clientMessageId,
        reply.at,
        root.id,
        reply.alsoToRoom ? 1 : 0,
        reply.mentions ? JSON.stringify(reply.mentions) : null,
      );
      this.#insertMentions(reply, seq);
      this.#insertEvent(reply.roomId, seq, 'message', reply.at, reply.id, null);
      this.#indexForSearch([reply.id]);
      const threadSeq = this.#nextSeq(reply.roomId);
      this.#prepare(
        'UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ?, last_reply_seq = ? WHERE id = ?',
      ).run(reply.at, seq, root.id);
      this.#insertEvent(reply.roomId, threadSeq, 'threadUpdated', reply.at, root.id, null);
      return writtenReply(
        newMessage(reply, seq),
        { ...root, thread: withReply(root.thread, reply.at, seq) },
        threadSeq,
      );
    });
  }

  /** Forward only: a position that would not move writes nothing (no fsync). */
  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    const current = await this.getThreadRead(userId, root);
    if (current !== undefined && current >= seq) return current;
    this.#write(() => this.#prepare(this.sql.markThreadRead).run(userId, root.id, root.roomId, root.seq, seq));
    return (await this.getThreadRead(userId, root))!;
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', () =>
      this.#prepare('UPDATE messages SET text = ?, edited_at = ? WHERE id = ?').run(text, at, messageId),
    );
  }

  async deleteMessage(
    messageId: MessageId,
    at: number,
    options: { byModerator?: boolean } = {},
  ): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', () =>
      this.#prepare(
        `UPDATE messages SET text = '', reactions = '[]', attachments = '[]', pinned_at = NULL, pinned_by_id = NULL,
         pinned_by_name = NULL, deleted_at = ?, removed_by_moderator = ? WHERE id = ?`,
      ).run(at, options.byModerator ? 1 : 0, messageId),
    );
  }

  async reactToMessage(
    messageId: MessageId,
    change: ReactionChange,
    at: number,
  ): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, (current) => {
      const reactions = applyReaction(current.reactions, change);
      return reactions && { type: 'messageReacted', set: { reactions: JSON.stringify(reactions) } };
    });
  }

  async pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, (current) => {
      if ((by !== null) === (current.pinnedAt !== null)) return undefined;
      if (by === null) {
        return { type: 'messageUnpinned', set: { pinned_at: null, pinned_by_id: null, pinned_by_name: null } };
      }
      const { n } = this.#prepare(this.sql.pinCount).get(current.roomId) as { n: number };
      if (n >= ChatLimits.pinsMaxPerRoom) throw new ChatError('TOO_MANY_PINS');
      return { type: 'messagePinned', set: { pinned_at: at, pinned_by_id: by.id, pinned_by_name: by.username } };
    });
  }

  /**
   * A change of a live message that appends its event: `decide` sees the message
   * as stored and answers the columns to set, or `undefined` for a no-op. The
   * write lock (`#write` is IMMEDIATE) holds off every other writer from the read to the event.
   */
  #changeLiveMessage(
    messageId: MessageId,
    at: number,
    decide: (current: Message) => { type: MessageEvent['type']; set: Record<string, unknown> } | undefined,
  ): MessageChangeResult | undefined {
    return this.#write(() => {
      const current = this.#message(messageId);
      if (!current || current.deletedAt !== null) return undefined;
      const change = decide(current);
      if (!change) return { message: current, event: null };
      const seq = this.#nextSeq(current.roomId);
      const columns = Object.keys(change.set);
      this.#prepare(`UPDATE messages SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`).run(
        ...Object.values(change.set),
        messageId,
      );
      this.#insertEvent(current.roomId, seq, change.type, at, messageId, null);
      const message = this.#message(messageId)!;
      return { message, event: { type: change.type, roomId: current.roomId, seq, at, message } as MessageEvent };
    });
  }

  // Search

  async setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    this.#write(() =>
      this.#prepare(this.sql.setNotificationSettings).run(userId, roomId, settings.level, settings.muted ? 1 : 0),
    );
  }

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
    return this.#ephemeral(() => {
      this.#prepare('INSERT OR REPLACE INTO connections (id, user_id, connected_at) VALUES (?, ?, ?)').run(
        connection.connectionId,
        connection.userId,
        connection.connectedAt,
      );
      const count = this.#connectionCount(connection.userId);
      if (count === 1) {
        this.#prepare(
          'INSERT OR IGNORE INTO online_users (username, id) SELECT username, id FROM users WHERE id = ?',
        ).run(connection.userId);
      }
      return count;
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#ephemeral(() => {
      const row = this.#prepare(this.sql.deleteConnection).get(connectionId) as ConnectionRow | undefined;
      if (!row) return undefined;
      const remaining = this.#connectionCount(row.user_id);
      if (remaining === 0) this.#prepare('DELETE FROM online_users WHERE id = ?').run(row.user_id);
      return { connection: toConnection(row), remaining };
    });
  }

  async clearConnections(): Promise<void> {
    this.#ephemeral(() => {
      this.#prepare('DELETE FROM connections').run();
      this.#prepare('DELETE FROM online_users').run();
    });
  }

  /** From the in-memory list of who is online (store/sqlite/migrations.ts, `ephemeralTables`). */
  override async listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    const { username = '', id = '' } = page.after ?? {};
    const rows = await this.query<UserRow>(
      `SELECT u.* FROM online_users o JOIN users u ON u.id = o.id
       WHERE (o.username, o.id) > (?, ?) ORDER BY o.username, o.id LIMIT ?`,
      [username, id, page.limit],
    );
    return rows.map(toUser);
  }

  // Plumbing

  protected async writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    return this.#write(() => {
      const statement = this.#prepare(text);
      if (statement.reader) return statement.all(...values) as R[];
      statement.run(...values);
      return [];
    });
  }

  /** One read, outside any transaction (WAL gives it a consistent snapshot), with errors translated. */
  protected async query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    // A read that could show a client an append whose sync is still running waits for it.
    if (this.#walSync?.pending && !this.#blindToAppends.has(text)) await this.#walSync.whenDurable();
    try {
      return this.#prepare(text).all(...values) as R[];
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * The reads of the send path (who the sender is, the room, the membership, the
   * rate limit): they show no message or event to a client, so they need not wait
   * for the appends' sync (`query`). A room read here may carry a `lastSeq` whose
   * sync is still running; the use cases that answer with it read the events too.
   */
  readonly #blindToAppends = new Set<string>([
    this.sql.userById,
    this.sql.sessionById,
    this.sql.roomById,
    this.sql.membership,
    this.sql.memberContext,
    this.sql.liveCounter,
    this.sql.connectionById,
    this.sql.userConnections,
    this.sql.roomConnections,
  ]);

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
   * A write that publishes nothing, so it may not overtake anything: committed
   * without a sync, like the appends, and resolved once `WalSync` has made it
   * durable off the event loop (at once without a `WalSync`, as `#write`).
   */
  async #writeUnpublished<T>(work: () => T): Promise<T> {
    const walSync = this.#walSync;
    if (!walSync) return this.#write(work);
    let result: T;
    try {
      result = this.#withoutCommitSync(work);
    } catch (error) {
      throw storeError(error);
    }
    await walSync.whenDurable();
    return result;
  }

  /**
   * Runs a change of the in-memory tables as one (deferred) transaction: it takes
   * no lock on the database file and syncs nothing.
   */
  #ephemeral<T>(work: () => T): T {
    try {
      return this.#inTransaction(work) as T;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Writes the pending read markers in one transaction (forward only); on failure they wait for the next try. */
  readonly #flushReads = (): void => {
    clearTimeout(this.#readFlush);
    this.#readFlush = undefined;
    if (this.#pendingReads.size === 0 || !this.#db.open) return;
    const batch = [...this.#pendingReads.values()];
    this.#pendingReads.clear();
    try {
      this.#write(() => {
        const update = this.#prepare(
          'UPDATE memberships SET last_read_seq = max(last_read_seq, ?) WHERE room_id = ? AND user_id = ?',
        );
        for (const { roomId, userId, seq } of batch) update.run(seq, roomId, userId);
      });
    } catch {
      // The markers stay in memory (reads still see them) and go with the next flush.
      for (const read of batch) {
        const key = readKey(read.roomId, read.userId);
        if ((this.#pendingReads.get(key)?.seq ?? 0) < read.seq) this.#pendingReads.set(key, read);
      }
      this.#readFlush = setTimeout(this.#flushReads, this.#readMarkerFlushMs);
    }
  };

  /** The view with its pending read marker, and the unread count from there. */
  #withPendingRead(view: UserRoom): UserRoom {
    const pending = this.#pendingReads.get(readKey(view.room.id, view.membership.userId));
    if (!pending || pending.seq <= view.membership.lastReadSeq) return view;
    const { n } = this.#prepare(
      `SELECT count(*) AS n FROM messages
       WHERE room_id = ? AND seq > ? AND deleted_at IS NULL AND author_id <> ? AND ${inTimeline('messages')}`,
    ).get(view.room.id, pending.seq, view.membership.userId) as { n: number };
    return { ...view, membership: { ...view.membership, lastReadSeq: pending.seq }, unread: n };
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

  /**
   * Adds new messages' text to the full-text index, in one statement after the
   * transaction's other writes (migration 13 says why); must run inside `#write`.
   */
  #indexForSearch(messageIds: readonly MessageId[]): void {
    if (messageIds.length === 0) return;
    this.#prepare(
      'INSERT INTO messages_fts (rowid, text) SELECT row_id, text FROM messages WHERE id IN (SELECT value FROM json_each(?))',
    ).run(JSON.stringify(messageIds));
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
    topic: string | null = null,
    visibility: RoomVisibility | null = null,
    detail: string | null = null,
  ): void {
    this.#prepare(
      'INSERT INTO events (room_id, seq, type, at, message_id, user_id, topic, visibility, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(roomId, seq, type, at, messageId, userId, topic, visibility, detail);
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

/** better-sqlite3 passes the statement's text first. */
function traceOf(trace: ((sql: string) => void) | undefined): ((message?: unknown) => void) | undefined {
  return trace && ((message) => trace(String(message)));
}

function readKey(roomId: RoomId, userId: UserId): string {
  return `${roomId}\n${userId}`;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT');
}

function storeError(error: unknown): Error {
  if (error instanceof ChatError) return error;
  return new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
}
