/**
 * The embedded store: one SQLite file (better-sqlite3) in WAL mode.
 *
 * - Durability: `synchronous = FULL` by default, so a resolved write survives a
 *   power cut, not only a process crash (the chat acknowledges on that basis).
 *   Message appends and thread replies are group-committed: one transaction per event-loop turn,
 *   made durable by a WAL sync off the event loop (store/sqlite/wal-sync.ts).
 * - Sequence numbers: each event-producing write is one `BEGIN IMMEDIATE`
 *   transaction that bumps `rooms.last_seq` and inserts the event and the row
 *   change together; SQLite's single writer makes the numbers consecutive, also
 *   with several processes on the same file.
 * - Search: an FTS5 external-content index over `messages.text`, written by the
 *   store for new messages and by triggers for edits and deletions
 *   (store/sqlite/migrations.ts); user terms are quoted, never parsed.
 * - Off the write path: connections and rate-limit windows (typing, log-ins)
 *   are in-memory tables (`ephemeralTables`), and read markers are kept in memory
 *   and written together every `readMarkerFlushMs`. A looping client that sends
 *   `typing` or `markRead` costs no fsync per frame, so it cannot stall the event
 *   loop (better-sqlite3 is synchronous) for everyone else.
 * - Schema: versioned with `PRAGMA user_version` (store/sqlite/migrations.ts).
 *
 * The reads are the SQL stores' shared ones (store/sql/sql-chat-store.ts); the
 * writes are one part per concept, sharing one `SqliteDatabase`
 * (sqlite-database.ts: the handle, prepared statements, transactions, errors):
 *
 * | part                 | file               | what it keeps                                              |
 * |----------------------|--------------------|------------------------------------------------------------|
 * | users, credentials   | users.ts           | unique usernames, password hashes, deactivations           |
 * | sessions             | sessions.ts        | what makes a token revocable, expired ones swept           |
 * | guests               | guests.ts          | when a guest was last seen, renaming and retiring one      |
 * | counters             | counters.ts        | rate-limit windows (in memory)                             |
 * | rooms, memberships   | rooms.ts           | unique names, direct rooms, joins, settings, roles, bans   |
 * | read markers         | read-markers.ts    | markers moved in memory, flushed together; the reads' view |
 * | room events          | room-events.ts     | sequence numbers and the events of each write              |
 * | group commit         | group-commit.ts    | a turn's sends and replies: one transaction, one fsync     |
 * | message appends      | message-appends.ts | sends, in the group commit                                 |
 * | messages             | messages.ts        | edits, deletes, reactions, pins                            |
 * | threads              | threads.ts         | replies (two events each), thread read positions           |
 * | upload claims        | upload-claims.ts   | which send holds an upload: all of a send's, or none       |
 * | audit log            | audit-log.ts       | moderation actions and deactivations                       |
 * | mentions, settings   | mentions.ts        | the index of unread mentions, notification settings        |
 * | search               | search.ts          | the full-text index of new messages, the query             |
 * | connections          | connections.ts     | connections and who is online (in memory)                  |
 *
 * The store overrides a few shared reads: a membership and a member's rooms
 * carry their pending read marker (read-markers.ts), and who is online is read
 * from the in-memory `online_users` (connections.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { ReactionChange } from '../../domain/reactions.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
  Membership,
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
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import type { SqlDialect } from '../sql/statements.ts';
import { SqliteAuditLog } from './audit-log.ts';
import { SqliteConnections } from './connections.ts';
import { SqliteCounters } from './counters.ts';
import { SqliteGroupCommit } from './group-commit.ts';
import { SqliteGuests } from './guests.ts';
import { SqliteMentions } from './mentions.ts';
import { SqliteMessageAppends } from './message-appends.ts';
import { SqliteMessages } from './messages.ts';
import { SqliteReadMarkers } from './read-markers.ts';
import { SqliteRoomEvents } from './room-events.ts';
import { SqliteRooms } from './rooms.ts';
import { SqliteSearch } from './search.ts';
import { SqliteSessions } from './sessions.ts';
import { SqliteDatabase } from './sqlite-database.ts';
import { SqliteThreads } from './threads.ts';
import { SqliteUploadClaims } from './upload-claims.ts';
import { SqliteUsers } from './users.ts';

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

export class SqliteChatStore extends SqlChatStore implements ChatStore {
  readonly #database: SqliteDatabase;
  readonly #users: SqliteUsers;
  readonly #sessions: SqliteSessions;
  readonly #guests: SqliteGuests;
  readonly #counters: SqliteCounters;
  readonly #rooms: SqliteRooms;
  readonly #readMarkers: SqliteReadMarkers;
  readonly #groupCommit: SqliteGroupCommit;
  readonly #appends: SqliteMessageAppends;
  readonly #messages: SqliteMessages;
  readonly #threads: SqliteThreads;
  readonly #uploadClaims: SqliteUploadClaims;
  readonly #audit: SqliteAuditLog;
  readonly #mentions: SqliteMentions;
  readonly #search: SqliteSearch;
  readonly #connections: SqliteConnections;

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
    const { synchronous, busyTimeoutMs, readMarkerFlushMs } = { ...defaults, ...options };
    const database = new SqliteDatabase(db, file, { synchronous, busyTimeoutMs }, this.sql);
    this.#database = database;
    // Every event-producing write takes its sequence number and writes its event here.
    const events = new SqliteRoomEvents(database);
    this.#users = new SqliteUsers(database);
    this.#sessions = new SqliteSessions(database);
    this.#guests = new SqliteGuests(database);
    this.#counters = new SqliteCounters(database);
    this.#rooms = new SqliteRooms(database, events);
    // The parts that read through the store get it, so they see what its overrides add.
    this.#readMarkers = new SqliteReadMarkers(database, readMarkerFlushMs, this);
    this.#mentions = new SqliteMentions(database);
    this.#search = new SqliteSearch(database);
    this.#groupCommit = new SqliteGroupCommit(database, this.#search);
    this.#appends = new SqliteMessageAppends(database, events, this.#mentions, this.#groupCommit);
    this.#messages = new SqliteMessages(database, events);
    this.#threads = new SqliteThreads(database, events, this.#mentions, this.#groupCommit, this);
    this.#uploadClaims = new SqliteUploadClaims(database);
    this.#audit = new SqliteAuditLog(database);
    this.#connections = new SqliteConnections(database);
  }

  /** Closes the database (checkpointing the WAL). The store is unusable afterwards. */
  async close(): Promise<void> {
    // Sends and replies waiting for this turn's group commit and pending read markers are written, not lost.
    this.#groupCommit.commitPending();
    this.#readMarkers.flush();
    this.#database.close();
  }

  // Users and credentials

  createUser(user: NewUser): Promise<User> {
    return this.#users.createUser(user);
  }

  setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    return this.#users.setPasswordHash(userId, passwordHash);
  }

  deactivateUser(userId: UserId, at: number): Promise<boolean> {
    return this.#users.deactivateUser(userId, at);
  }

  // Guests

  recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    return this.#guests.recordGuestActivity(userId, at, unlessSince);
  }

  renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    return this.#guests.renameAuthor(userId, name, limit);
  }

  retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    return this.#guests.retireGuest(userId, formerName, at);
  }

  // Sessions

  createSession(session: SessionRecord): Promise<void> {
    return this.#sessions.createSession(session);
  }

  deleteSession(id: string): Promise<void> {
    return this.#sessions.deleteSession(id);
  }

  deleteUserSessions(userId: UserId): Promise<void> {
    return this.#sessions.deleteUserSessions(userId);
  }

  // Counters

  hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    return this.#counters.hitCounter(key, windowMs, now);
  }

  resetCounter(key: string): Promise<void> {
    return this.#counters.resetCounter(key);
  }

  // Rooms and memberships

  createRoom(room: NewRoom): Promise<Room> {
    return this.#rooms.createRoom(room);
  }

  openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    return this.#rooms.openDirect(direct);
  }

  addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    return this.#rooms.addMember(roomId, userId, at);
  }

  /** The member's pending read marker goes with them: there is no membership left to write it to. */
  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    this.#readMarkers.forget(roomId, userId);
    return this.#rooms.removeMember(roomId, userId, at);
  }

  setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#rooms.setRoomTopic(roomId, topic, by, at);
  }

  renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#rooms.renameRoom(roomId, name, by, at);
  }

  setRoomVisibility(roomId: RoomId, visibility: RoomVisibility, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#rooms.setRoomVisibility(roomId, visibility, by, at);
  }

  setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null> {
    return this.#rooms.setMemberRole(roomId, userId, role, at);
  }

  setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null> {
    return this.#rooms.setRoomReadOnly(roomId, readOnly, by, at);
  }

  banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void> {
    return this.#rooms.banFromRoom(roomId, userId, at);
  }

  liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.#rooms.liftRoomBan(roomId, userId);
  }

  // Read markers

  override async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    const membership = await super.getMembership(roomId, userId);
    return this.#readMarkers.withPendingMembership(roomId, userId, membership);
  }

  override async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    const view = await super.getUserRoom(userId, roomId);
    return view && this.#readMarkers.withPendingRead(view);
  }

  override async listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]> {
    return (await super.listUserRooms(userId, page)).map((view) => this.#readMarkers.withPendingRead(view));
  }

  markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#readMarkers.markRead(roomId, userId, seq);
  }

  markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#readMarkers.markUnread(roomId, userId, seq);
  }

  // Messages and events

  appendMessage(message: NewMessage): Promise<AppendResult> {
    return this.#appends.appendMessage(message);
  }

  editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#messages.editMessage(messageId, text, at);
  }

  deleteMessage(
    messageId: MessageId,
    at: number,
    options?: { byModerator?: boolean },
  ): Promise<MessageEvent | undefined> {
    return this.#messages.deleteMessage(messageId, at, options);
  }

  reactToMessage(messageId: MessageId, change: ReactionChange, at: number): Promise<MessageChangeResult | undefined> {
    return this.#messages.reactToMessage(messageId, change, at);
  }

  pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    return this.#messages.pinMessage(messageId, by, at);
  }

  // Threads

  appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#threads.appendReply(reply);
  }

  markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    return this.#threads.markThreadRead(userId, root, seq);
  }

  // Upload claims

  claimUploads(claim: UploadClaim): Promise<string | undefined> {
    return this.#uploadClaims.claimUploads(claim);
  }

  // Audit log

  appendAuditEntry(entry: AuditEntry): Promise<void> {
    return this.#audit.appendAuditEntry(entry);
  }

  // Mentions and notification settings

  setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    return this.#mentions.setNotificationSettings(userId, roomId, settings);
  }

  // Search

  searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return this.#search.searchMessages(query);
  }

  // Connections

  addConnection(connection: Connection): Promise<number> {
    return this.#connections.addConnection(connection);
  }

  removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#connections.removeConnection(connectionId);
  }

  clearConnections(): Promise<void> {
    return this.#connections.clearConnections();
  }

  override listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    return this.#connections.listOnlineUsers(page);
  }

  // The base's access to the database (sql-chat-store.ts)

  protected writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    return this.#database.writeOne(text, values);
  }

  protected query<R>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return this.#database.query(text, values);
  }
}

/** better-sqlite3 passes the statement's text first. */
function traceOf(trace: ((sql: string) => void) | undefined): ((message?: unknown) => void) | undefined {
  return trace && ((message) => trace(String(message)));
}
