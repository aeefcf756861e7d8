/**
 * The cluster store: PostgreSQL through a `pg` connection pool, shared by every
 * node of a deployment.
 *
 * The store is assembled from one part per concept, sharing one
 * `PostgresDatabase` (postgres-database.ts: the pool, statements on their own
 * and in transactions, the sequence bump, errors). The reads are the base
 * class's (store/sql/sql-chat-store.ts), shared with the SQLite store; the
 * parts make the writes:
 *
 * | part               | file                         | what it keeps                                               |
 * |--------------------|------------------------------|-------------------------------------------------------------|
 * | users, credentials | users.ts                     | accounts and password hashes, guests, deactivated accounts  |
 * | sessions           | sessions.ts                  | what makes a token revocable (expired ones swept on write)  |
 * | counters           | counters.ts                  | rate-limit windows (one upsert per hit)                     |
 * | rooms, memberships | rooms.ts                     | unique room names, direct conversations, joins, roles, bans |
 * | a member's rooms   | user-rooms.ts                | read markers (forward only), notification settings          |
 * | upload claims      | upload-claims.ts             | which send holds an upload: all of a send's, or none        |
 * | message appends    | message-appends.ts           | sends and replies (idempotent), a room's in one transaction |
 * | messages           | messages.ts                  | edits, deletes, reactions, pins                             |
 * | threads            | threads.ts                   | replies (two events each), thread read positions            |
 * | connections        | connections.ts               | a user's connections, counted exactly for presence          |
 * | search             | search.ts                    | full-text search of a user's rooms                          |
 * | audit log          | audit-log.ts                 | moderation actions and deactivations                        |
 * | rate limits        | postgres-rate-limit-store.ts | token buckets and log-in backoff (`rateLimits`)             |
 *
 * - Durability: a write resolves after its `COMMIT` returns, which with the
 *   server's default `synchronous_commit = on` means the WAL is flushed.
 * - Sequence numbers: each event-producing write is one transaction that first
 *   bumps `rooms.last_seq` (`UPDATE … RETURNING`). The bump takes the room row's
 *   lock, so a room's writers queue there, from any number of pools and nodes,
 *   and the numbers are consecutive; every such transaction locks the room
 *   before the rows it changes, so writers cannot deadlock each other.
 * - Idempotent appends and group commit (a room's appends share one
 *   transaction): message-appends.ts.
 * - Search: a GIN-indexed `tsvector` column of words the store folds itself,
 *   so user input is never query syntax: search.ts.
 * - Errors: unique violations become the domain's errors; anything else the
 *   database or the network does (refused or lost connections, timeouts) is
 *   `STORE_UNAVAILABLE`, and the chat never acknowledges on it
 *   (postgres-database.ts).
 * - Schema: versioned by `schema_migrations`, migrated on open under an
 *   advisory lock (store/postgres/migrations.ts).
 * - Settings and their defaults: store-options.ts.
 */
import type { Pool } from 'pg';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { ReactionChange } from '../../domain/reactions.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
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
  ReplyResult,
  SearchQuery,
  ThreadRoot,
  UploadClaim,
} from '../../ports/chat-store.ts';
import type { RateLimitStore } from '../../ports/rate-limit-store.ts';
import { StoreAvailability } from '../availability.ts';
import { SqlChatStore } from '../sql/sql-chat-store.ts';
import { PostgresAuditLog } from './audit-log.ts';
import { PostgresConnections } from './connections.ts';
import { PostgresCounters } from './counters.ts';
import { PostgresMessageAppends } from './message-appends.ts';
import { PostgresMessages } from './messages.ts';
import { openPool, PostgresDatabase, postgresDialect } from './postgres-database.ts';
import { PostgresRateLimitStore } from './postgres-rate-limit-store.ts';
import { PostgresRooms } from './rooms.ts';
import { PostgresSearch } from './search.ts';
import { PostgresSessions } from './sessions.ts';
import { type PostgresChatStoreOptions, postgresChatStoreDefaults } from './store-options.ts';
import { PostgresThreads } from './threads.ts';
import { PostgresUploadClaims } from './upload-claims.ts';
import { PostgresUserRooms } from './user-rooms.ts';
import { PostgresUsers } from './users.ts';

export { SchemaTooNewError } from './migrations.ts';
export type { PostgresChatStoreOptions } from './store-options.ts';

export class PostgresChatStore extends SqlChatStore implements ChatStore {
  /** Rate-limit state in the same database (store/postgres/postgres-rate-limit-store.ts). */
  readonly rateLimits: RateLimitStore;
  readonly #database: PostgresDatabase;
  readonly #users: PostgresUsers;
  readonly #sessions: PostgresSessions;
  readonly #counters: PostgresCounters;
  readonly #rooms: PostgresRooms;
  readonly #userRooms: PostgresUserRooms;
  readonly #uploadClaims: PostgresUploadClaims;
  readonly #appends: PostgresMessageAppends;
  readonly #messages: PostgresMessages;
  readonly #threads: PostgresThreads;
  readonly #connections: PostgresConnections;
  readonly #search: PostgresSearch;
  readonly #audit: PostgresAuditLog;
  #closed = false;

  /**
   * Connects and migrates the schema. Rejects with `STORE_UNAVAILABLE` when the
   * database cannot be reached, and with `SchemaTooNewError` when a newer chat
   * has migrated it.
   * @example const store = await PostgresChatStore.open({ connectionString: process.env.DATABASE_URL! });
   */
  static async open(options: PostgresChatStoreOptions): Promise<PostgresChatStore> {
    const settings = { ...postgresChatStoreDefaults, ...options };
    const pool = await openPool(settings);
    return new PostgresChatStore(
      pool,
      settings.queryTimeoutMs,
      new StoreAvailability(settings.logger ? { logger: settings.logger } : {}),
    );
  }

  private constructor(pool: Pool, queryTimeoutMs: number, availability: StoreAvailability) {
    super(postgresDialect);
    // The parts run the base class's statements (`this.sql`), and answer some writes with its reads (`this`).
    const database = new PostgresDatabase(pool, this.sql, queryTimeoutMs, availability);
    this.#database = database;
    this.#users = new PostgresUsers(database);
    this.#sessions = new PostgresSessions(database);
    this.#counters = new PostgresCounters(database);
    this.#rooms = new PostgresRooms(database, this);
    this.#userRooms = new PostgresUserRooms(database, this);
    this.#uploadClaims = new PostgresUploadClaims(database);
    this.#threads = new PostgresThreads(database);
    this.#appends = new PostgresMessageAppends(database, this.#threads);
    this.#messages = new PostgresMessages(database);
    this.#connections = new PostgresConnections(database);
    this.#search = new PostgresSearch(database);
    this.#audit = new PostgresAuditLog(database);
    this.rateLimits = new PostgresRateLimitStore((text, values) => this.query(text, values));
  }

  /** Waits for running requests and closes every connection. The store is unusable afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Appends waiting for their room's transaction are written, not lost.
    await this.#appends.drain();
    await this.#database.close();
  }

  // How the base class (store/sql/sql-chat-store.ts) runs its statements

  protected query<R>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.#database.query<R>(text, values);
  }

  protected writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]> {
    // One statement commits on its own: atomic, and durable once answered.
    return this.#database.query<R>(text, values);
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
    return this.#users.recordGuestActivity(userId, at, unlessSince);
  }

  renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    return this.#users.renameAuthor(userId, name, limit);
  }

  retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    return this.#users.retireGuest(userId, formerName, at);
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

  removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
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

  claimUploads(claim: UploadClaim): Promise<string | undefined> {
    return this.#uploadClaims.claimUploads(claim);
  }

  // A member's rooms

  markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#userRooms.markRead(roomId, userId, seq);
  }

  markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#userRooms.markUnread(roomId, userId, seq);
  }

  setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    return this.#userRooms.setNotificationSettings(userId, roomId, settings);
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
    return this.#appends.appendReply(reply);
  }

  markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    return this.#threads.markThreadRead(userId, root, seq);
  }

  // Audit log

  appendAuditEntry(entry: AuditEntry): Promise<void> {
    return this.#audit.appendAuditEntry(entry);
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
}
