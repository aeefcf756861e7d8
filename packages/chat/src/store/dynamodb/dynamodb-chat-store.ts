/**
 * The serverless store: one DynamoDB table (store/dynamodb/table-design.ts has
 * the design and its table of access patterns). Nothing scans.
 *
 * The store is assembled from one part per concept, sharing one `DynamoTable`:
 *
 * | part                | file                | what it keeps                                             |
 * |---------------------|---------------------|-----------------------------------------------------------|
 * | users, credentials  | users.ts            | unique usernames (guard items), password hashes           |
 * | sessions            | sessions.ts         | what makes a token revocable (TTL)                        |
 * | guests              | guests.ts           | idle guests (gsi1 `GUESTS`), renaming a former guest      |
 * | counters            | counters.ts         | rate-limit windows (conditional writes, TTL)              |
 * | rooms, memberships  | rooms.ts            | unique room names, direct conversations, join and leave   |
 * | a member's rooms    | user-rooms.ts       | room lists with unread counts, read markers               |
 * | upload claims       | upload-claims.ts    | which send holds an upload: all of a send's, or none      |
 * | messages, events    | messages.ts         | sends (idempotent), edits, deletes, history, catch-up     |
 * | threads             | threads.ts          | replies (two events each), thread pages, read positions   |
 * | connections         | connections.ts      | a user's connections, the online index (TTL)              |
 * | presence            | presence.ts         | a user's connection ids as a set: exact online / offline  |
 * | live connections    | room-connections.ts | per room, the open connections of its members (fan-out)   |
 * | rate limits         | rate-limits.ts      | token buckets and log-in backoff (`rateLimits`, TTL)      |
 * | search              | search.ts           | membership, candidates, the check against each message    |
 * | mentions, settings  | mentions.ts         | unread mentions, per-room notification settings           |
 *
 * - Sequence numbers: sequenced-write.ts (one transaction per event, conditioned
 *   on the room's `lastSeq`: never a gap or a duplicate).
 * - Items and their mapping to the domain's records: items.ts.
 * - Search: an index of words in the same table (search-index.ts), written
 *   from the table's stream by the indexer (search-indexer.ts; on AWS, a Lambda
 *   function), read by search.ts; or OpenSearch instead (`searchEngine`).
 *   Without the indexer running, search finds nothing new.
 * - Errors: conditional failures become the port's codes; every other SDK or
 *   network failure becomes `STORE_UNAVAILABLE` (the SDK's error as `cause`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { ReactionChange } from '../../domain/reactions.ts';
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
  RoomHead,
  RoomId,
  RoomVisibility,
  SearchHit,
  SessionRecord,
  StoredRole,
  ThreadRead,
  User,
  UserId,
  UserRef,
  UserRoom,
} from '../../domain/types.ts';
import type {
  AppendResult,
  AuditKey,
  ChatStore,
  ConnectionRemoval,
  CounterState,
  MemberContext,
  MemberRecord,
  MembershipResult,
  MessageChangeResult,
  MessagePage,
  NewDirect,
  NewMessage,
  NewReply,
  NewRoom,
  NewUser,
  Page,
  PublicRoom,
  ReplyResult,
  RoomBanRecord,
  RoomSize,
  SearchQuery,
  StoredInvite,
  ThreadRoot,
  UploadClaim,
  UserKey,
} from '../../ports/chat-store.ts';
import type { RateLimitStore } from '../../ports/rate-limit-store.ts';
import { DynamoAuditLog } from './audit-log.ts';
import { DynamoConnections } from './connections.ts';
import { DynamoCounters } from './counters.ts';
import { DynamoGuests } from './guests.ts';
import { DynamoInvites } from './invites.ts';
import { DynamoMentions } from './mentions.ts';
import { MessageAppends } from './message-appends.ts';
import { DynamoMessages } from './messages.ts';
import { DynamoPresence } from './presence.ts';
import { DynamoRateLimits } from './rate-limits.ts';
import { DynamoRoomConnections } from './room-connections.ts';
import { DynamoRooms } from './rooms.ts';
import { DynamoSearch } from './search.ts';
import { DynamoSessions } from './sessions.ts';
import { type DynamoDbChatStoreOptions, dynamoDbChatStoreDefaults } from './store-options.ts';
import { DynamoTable } from './table.ts';
import { DynamoThreads } from './threads.ts';
import { DynamoUploadClaims } from './upload-claims.ts';
import { DynamoUserRooms } from './user-rooms.ts';
import { DynamoUsers } from './users.ts';
import { WordIndexCandidates } from './word-index-candidates.ts';

export type { DynamoDbChatStoreOptions } from './store-options.ts';

export class DynamoDbChatStore implements ChatStore {
  /** Rate-limit state in the same table (rate-limits.ts). */
  readonly rateLimits: RateLimitStore;
  readonly #users: DynamoUsers;
  readonly #sessions: DynamoSessions;
  readonly #guests: DynamoGuests;
  readonly #counters: DynamoCounters;
  readonly #rooms: DynamoRooms;
  readonly #uploadClaims: DynamoUploadClaims;
  readonly #invites: DynamoInvites;
  readonly #audit: DynamoAuditLog;
  readonly #userRooms: DynamoUserRooms;
  readonly #messages: DynamoMessages;
  readonly #threads: DynamoThreads;
  readonly #connections: DynamoConnections;
  readonly #search: DynamoSearch;
  readonly #mentions: DynamoMentions;

  /**
   * The caller owns the client (and destroys it); the table must have the
   * design of `chatTable` (see `createTable`).
   * @example
   * const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
   * const store = new DynamoDbChatStore(doc, process.env.CHAT_TABLE!);
   */
  constructor(client: DynamoDBDocumentClient, tableName: string, options: DynamoDbChatStoreOptions = {}) {
    const { searchEngine, ...settings } = options;
    const table = new DynamoTable(client, tableName, { ...dynamoDbChatStoreDefaults, ...settings });
    this.#users = new DynamoUsers(table);
    this.#sessions = new DynamoSessions(table);
    this.#guests = new DynamoGuests(table);
    this.#counters = new DynamoCounters(table);
    const live = new DynamoRoomConnections(table);
    this.#rooms = new DynamoRooms(table, live);
    this.#uploadClaims = new DynamoUploadClaims(table);
    this.#invites = new DynamoInvites(table);
    this.#audit = new DynamoAuditLog(table);
    this.#userRooms = new DynamoUserRooms(table);
    // One write queue per room for sends and thread replies (message-appends.ts).
    const appends = new MessageAppends(table);
    this.#messages = new DynamoMessages(table, appends);
    this.#threads = new DynamoThreads(table, appends);
    this.#connections = new DynamoConnections(table, live, new DynamoPresence(table));
    this.rateLimits = new DynamoRateLimits(table);
    this.#mentions = new DynamoMentions(table);
    this.#search = new DynamoSearch(table, searchEngine ?? new WordIndexCandidates(table));
  }

  // Users and credentials

  createUser(user: NewUser): Promise<User> {
    return this.#users.createUser(user);
  }

  getUser(id: UserId): Promise<User | undefined> {
    return this.#users.getUser(id);
  }

  getUserByUsername(username: string): Promise<User | undefined> {
    return this.#users.getUserByUsername(username);
  }

  findUsers(prefix: string, page: Page<string>): Promise<User[]> {
    return this.#users.findUsers(prefix, page);
  }

  getPasswordHash(userId: UserId): Promise<string | undefined> {
    return this.#users.getPasswordHash(userId);
  }

  setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    return this.#users.setPasswordHash(userId, passwordHash);
  }

  // Guests

  recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    return this.#guests.recordGuestActivity(userId, at, unlessSince);
  }

  listIdleGuests(idleBefore: number, limit: number): Promise<User[]> {
    return this.#guests.listIdleGuests(idleBefore, limit);
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

  getSession(id: string): Promise<SessionRecord | undefined> {
    return this.#sessions.getSession(id);
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

  peekCounter(key: string, now: number): Promise<CounterState> {
    return this.#counters.peekCounter(key, now);
  }

  resetCounter(key: string): Promise<void> {
    return this.#counters.resetCounter(key);
  }

  // Rooms and memberships

  createRoom(room: NewRoom): Promise<Room> {
    return this.#rooms.createRoom(room);
  }

  getRoom(id: RoomId): Promise<Room | undefined> {
    return this.#rooms.getRoom(id);
  }

  getRoomByName(name: string): Promise<Room | undefined> {
    return this.#rooms.getRoomByName(name);
  }

  listPublicRooms(userId: UserId, page: Page<string>): Promise<PublicRoom[]> {
    return this.#rooms.listPublicRooms(userId, page);
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

  createInvite(invite: StoredInvite): Promise<void> {
    return this.#invites.createInvite(invite);
  }

  getInvite(id: string): Promise<StoredInvite | undefined> {
    return this.#invites.getInvite(id);
  }

  consumeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    return this.#invites.consumeInvite(id, at);
  }

  revokeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    return this.#invites.revokeInvite(id, at);
  }

  listRoomInvites(roomId: RoomId, limit: number): Promise<StoredInvite[]> {
    return this.#invites.listRoomInvites(roomId, limit);
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

  claimUploads(claim: UploadClaim): Promise<string | undefined> {
    return this.#uploadClaims.claimUploads(claim);
  }

  liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.#rooms.liftRoomBan(roomId, userId);
  }

  isBannedFromRoom(roomId: RoomId, userId: UserId): Promise<boolean> {
    return this.#rooms.isBannedFromRoom(roomId, userId);
  }

  listRoomBans(roomId: RoomId, page: Page<UserId>): Promise<RoomBanRecord[]> {
    return this.#rooms.listRoomBans(roomId, page);
  }

  getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    return this.#rooms.getMembership(roomId, userId);
  }

  getMemberContext(roomId: RoomId, userId: UserId): Promise<MemberContext> {
    return this.#rooms.getMemberContext(roomId, userId);
  }

  listMembers(roomId: RoomId, page: Page<UserKey>): Promise<MemberRecord[]> {
    return this.#rooms.listMembers(roomId, page);
  }

  listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]> {
    return this.#userRooms.listUserRooms(userId, page);
  }

  listRoomHeads(userId: UserId, changedAfter: number, page: Page<RoomId>): Promise<RoomHead[]> {
    return this.#userRooms.listRoomHeads(userId, changedAfter, page);
  }

  listUserRoomSizes(userId: UserId, countUpTo: number): Promise<RoomSize[]> {
    return this.#userRooms.listUserRoomSizes(userId, countUpTo);
  }

  getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    return this.#userRooms.getUserRoom(userId, roomId);
  }

  markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#userRooms.markRead(roomId, userId, seq);
  }

  markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#userRooms.markUnread(roomId, userId, seq);
  }

  // Messages and events

  appendMessage(message: NewMessage): Promise<AppendResult> {
    return this.#messages.appendMessage(message);
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

  listPinnedMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    return this.#messages.listPinnedMessages(roomId, options);
  }

  getMessage(id: MessageId): Promise<Message | undefined> {
    return this.#messages.getMessage(id);
  }

  getMessageByClientId(roomId: RoomId, authorId: UserId, clientMessageId: string): Promise<Message | undefined> {
    return this.#messages.getMessageByClientId(roomId, authorId, clientMessageId);
  }

  listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    return this.#messages.listMessages(roomId, options);
  }

  // Threads

  appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#threads.appendReply(reply);
  }

  listReplies(root: ThreadRoot, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    return this.#threads.listReplies(root, options);
  }

  markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    return this.#threads.markThreadRead(userId, root, seq);
  }

  getThreadRead(userId: UserId, root: ThreadRoot): Promise<number | undefined> {
    return this.#threads.getThreadRead(userId, root);
  }

  listThreadReads(
    userId: UserId,
    roomId: RoomId,
    options: { beforeSeq?: number; limit: number },
  ): Promise<ThreadRead[]> {
    return this.#threads.listThreadReads(userId, roomId, options);
  }

  listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return this.#messages.listEvents(roomId, afterSeq, limit);
  }

  // Mentions and notification settings

  countMentions(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; afterSeq: number }>): Promise<number[]> {
    return this.#mentions.countMentions(userId, rooms);
  }

  setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    return this.#mentions.setNotificationSettings(userId, roomId, settings);
  }

  getNotificationSettings(userId: UserId, roomIds: readonly RoomId[]): Promise<Map<RoomId, NotificationSettings>> {
    return this.#mentions.getNotificationSettings(userId, roomIds);
  }

  // Deactivated accounts

  deactivateUser(userId: UserId, at: number): Promise<boolean> {
    return this.#users.deactivate(userId, at);
  }

  getDeactivation(userId: UserId): Promise<number | undefined> {
    return this.#users.deactivation(userId);
  }

  // Audit log

  appendAuditEntry(entry: AuditEntry): Promise<void> {
    return this.#audit.append(entry);
  }

  listAuditEntries(roomId: RoomId | null, page: Page<AuditKey>): Promise<AuditEntry[]> {
    return this.#audit.list(roomId, page);
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

  getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    return this.#connections.getConnection(connectionId);
  }

  listUserConnections(userId: UserId): Promise<Connection[]> {
    return this.#connections.listUserConnections(userId);
  }

  listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    return this.#connections.listRoomConnections(roomId);
  }

  listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    return this.#connections.listOnlineUsers(page);
  }

  clearConnections(): Promise<void> {
    return this.#connections.clearConnections();
  }
}
