/**
 * The store port: all of the chat's persistence. Adapters: SQLite
 * (store/sqlite/), and later PostgreSQL and DynamoDB; every adapter passes the
 * shared suite in test/store-conformance.ts.
 *
 * Contract:
 * - Every method may reject with `ChatError('STORE_UNAVAILABLE')` (cause: the
 *   driver's error) when the backend fails; named methods reject with the other
 *   codes they list.
 * - A returned promise resolves only after the write is durable: the service
 *   acknowledges a message on that basis.
 * - Sequence numbers: every change to a room's visible state (a message
 *   appended, edited, deleted or reacted to; a member added or removed) appends one
 *   `RoomEvent` carrying the room's next sequence number, in the same atomic
 *   write as the change itself. Numbers are consecutive per room from 1, also
 *   under concurrent writers (a transaction, a conditional write).
 * - Timestamps and ids come from the caller; the store never reads a clock.
 */

import type { Attachment } from '../domain/attachments.ts';
import type { NotificationSettings } from '../domain/notification-settings.ts';
import type { ReactionChange } from '../domain/reactions.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
  Membership,
  Message,
  MessageEvent,
  MessageId,
  MessageMentions,
  Room,
  RoomEvent,
  RoomHead,
  RoomId,
  RoomInvite,
  RoomVisibility,
  SearchHit,
  SessionRecord,
  StoredRole,
  ThreadRead,
  User,
  UserId,
  UserRef,
  UserRoom,
} from '../domain/types.ts';

export interface NewUser {
  id: UserId;
  /** Already normalised (lower case). */
  username: string;
  guest: boolean;
  createdAt: number;
  /** Registered users have one; guests do not. */
  passwordHash?: string;
}

export interface NewRoom {
  id: RoomId;
  /** Already normalised (lower case). */
  name: string;
  createdBy: UserId | null;
  createdAt: number;
  /** @default 'public' */
  visibility?: RoomVisibility;
}

/** An invite link as stored: with the hash of its secret (domain/invite-token.ts), never the secret. */
export interface StoredInvite extends RoomInvite {
  secretHash: string;
}

export interface NewDirect {
  /** Deterministic for the people (see `directRoomId`, `groupRoomId`), which makes opening idempotent. */
  id: RoomId;
  /**
   * Its members, 2 to 8 distinct existing users, the one who opens it first. With
   * two, each is the other's `peer`; with more it is a group conversation.
   */
  userIds: readonly UserId[];
  createdAt: number;
}

export interface NewMessage {
  id: MessageId;
  roomId: RoomId;
  authorId: UserId;
  authorName: string;
  text: string;
  /** With one, a second append by the same author in the same room returns the first message. */
  clientMessageId: string | null;
  at: number;
  /** Files attached to the message, checked by the service. @default [] */
  attachments?: Attachment[];
  /**
   * The author is a guest: a store that cannot find messages by author keeps
   * an index of these for `renameAuthor`. @default false
   */
  authorGuest?: boolean;
  /** Who the message mentions (domain/mentions.ts), stored with it. @default nobody */
  mentions?: MessageMentions;
}

export interface AppendResult {
  message: Message;
  event: MessageEvent;
  /** `false` when `clientMessageId` matched an earlier message: nothing was written. */
  created: boolean;
}

/** What a change of a message's reactions or pin did. */
export interface MessageChangeResult {
  /** The message after the change (unchanged when `event` is `null`). */
  message: Message;
  /** The `messageReacted` event, or `null` when the change was a no-op (nothing was written). */
  event: MessageEvent | null;
}

/** A thread reply to append: a message whose root is `rootId`, in the root's room. */
export interface NewReply extends NewMessage {
  rootId: MessageId;
  /** Also show the reply in the room's timeline. */
  alsoToRoom: boolean;
}

export interface ReplyResult {
  /** The reply (the stored one when `created` is false). */
  message: Message;
  /** The root in its current state. */
  root: Message;
  /** The reply's `message` event and the root's `threadUpdated` event (consecutive); empty when nothing was written. */
  events: MessageEvent[];
  /** `false` when `clientMessageId` matched an earlier message of the author in the room: nothing was written. */
  created: boolean;
}

/** Where a thread's root is: what the stores key a thread by. */
export type ThreadRoot = Pick<Message, 'id' | 'roomId' | 'seq'>;

export interface MembershipResult {
  membership: Membership | null;
  /** The `memberJoined` / `memberLeft` event, or `null` when nothing changed. */
  event: RoomEvent | null;
}

/** A user, a room and the user's membership of it, as `getMemberContext` reads them: each undefined when missing. */
export interface MemberContext {
  room: Room | undefined;
  membership: Membership | undefined;
  user: User | undefined;
}

/**
 * Where a keyset page starts: strictly after the entry with this key (absent:
 * at the start), and how many entries at most. Listings that may grow without
 * bound take one, so no answer reads (or sends) more than a page.
 */
export interface Page<K> {
  after?: K;
  limit: number;
}

/** The position of a user in a listing by username (unique, lower case), then id. */
export interface UserKey {
  username: string;
  id: UserId;
}

/** The position of an audit entry in the log, which lists the newest first. */
export interface AuditKey {
  at: number;
  id: string;
}

/** One of a user's rooms and its member count, counted up to a cap (`listUserRoomSizes`). */
export interface RoomSize {
  roomId: RoomId;
  members: number;
}

export interface PublicRoom {
  room: Room;
  memberCount: number;
  joined: boolean;
}

/** A send taking its uploads (`claimUploads`): `authorId`'s files `fileIds` in `roomId`, at `at`. */
export interface UploadClaim {
  roomId: RoomId;
  authorId: UserId;
  /** At least one, each once. */
  fileIds: readonly string[];
  /** The send's; `null` for a send without one, which takes only a free upload. */
  clientMessageId: string | null;
  at: number;
}

/** A user kept out of a room (`banFromRoom`), and since when. */
export interface RoomBanRecord {
  user: User;
  bannedAt: number;
}

export interface MemberRecord {
  user: User;
  joinedAt: number;
  /** The member has at least one open connection. */
  online: boolean;
  /** As kept on the membership (the owner comes from the room: domain/room-permissions.ts). */
  role: StoredRole;
}

export interface MessagePage {
  /** Ascending `seq`. */
  messages: Message[];
  hasMore: boolean;
}

export interface SearchQuery {
  /** Only messages in rooms this user is a member of. */
  userId: UserId;
  /** Lower-case words; a message matches when every term is a prefix of one of its words. */
  terms: readonly string[];
  /** Restrict to one room. */
  roomId?: RoomId;
  limit: number;
}

export interface CounterState {
  count: number;
  /** When the current window ends (ms since epoch). */
  resetAt: number;
}

export interface ConnectionRemoval {
  connection: Connection;
  /** Connections the user still has: 0 for exactly one of the calls that race to remove a user's last ones. */
  remaining: number;
}

export interface ChatStore {
  // Users and credentials

  /** Rejects with `USERNAME_TAKEN` when the username (case-insensitive) exists. */
  createUser(user: NewUser): Promise<User>;
  getUser(id: UserId): Promise<User | undefined>;
  getUserByUsername(username: string): Promise<User | undefined>;
  /**
   * Users whose username starts with `prefix` (lower case), by username: a page
   * after the username `after`. Retired guests are left out (their old name is free).
   */
  findUsers(prefix: string, page: Page<string>): Promise<User[]>;
  /** The stored password hash; `undefined` for guests and unknown users. */
  getPasswordHash(userId: UserId): Promise<string | undefined>;
  /** Replaces a registered user's password hash (a rehash at a new cost); a no-op for guests and unknown users. */
  setPasswordHash(userId: UserId, passwordHash: string): Promise<void>;

  // Sessions (what makes a token revocable)

  /** Records a session. May forget some sessions that expired before `session.createdAt`. */
  createSession(session: SessionRecord): Promise<void>;
  /** The session, also after it expired (the caller compares `expiresAt` with its clock) until it is forgotten. */
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Forgets a session (sign-out); unknown ids are ignored. */
  deleteSession(id: string): Promise<void>;
  /** Forgets every session of a user. */
  deleteUserSessions(userId: UserId): Promise<void>;

  // Deactivated accounts (a server admin's decision: domain/use-cases/deactivation.ts)

  /** Marks the account deactivated; `false` when it already was. */
  deactivateUser(userId: UserId, at: number): Promise<boolean>;
  /** When the account was deactivated; `undefined` for an active (or unknown) one. */
  getDeactivation(userId: UserId): Promise<number | undefined>;

  // Guests (they expire when idle: domain/use-cases/guest-expiry.ts)

  /**
   * Records a guest as active at `at` (sign-in, refresh, a connection opening
   * or closing); a no-op for others, and for a guest whose activity is recorded
   * at or after `unlessSince` already (`at` itself: only a move forward), so a
   * burst of reconnects writes once.
   */
  recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void>;
  /**
   * Guests not yet retired whose last activity is before `idleBefore`, the
   * longest idle first. May include guests with an open connection: the caller checks.
   */
  listIdleGuests(idleBefore: number, limit: number): Promise<User[]>;
  /**
   * Sets the author name of up to `limit` of the user's messages that carry
   * another name; resolves to how many it changed (fewer than `limit`: done).
   */
  renameAuthor(userId: UserId, name: string, limit: number): Promise<number>;
  /**
   * Retires a guest: renames the account to `formerName` (freeing its name) and
   * leaves it out of `listIdleGuests` for good. `false` when the user is not a
   * guest or was retired already.
   */
  retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean>;

  // Rate-limit counters (shared by every node, unlike process memory)

  /**
   * Counts one hit on `key`. A window opens at the first hit and lasts
   * `windowMs`; a hit after it has ended opens a new one with count 1.
   */
  hitCounter(key: string, windowMs: number, now: number): Promise<CounterState>;
  /** The current window's count (0 when there is none or it has ended). */
  peekCounter(key: string, now: number): Promise<CounterState>;
  resetCounter(key: string): Promise<void>;

  // Rooms and memberships

  /** Creates a `room`-kind room with no members. Rejects with `ROOM_NAME_TAKEN`. */
  createRoom(room: NewRoom): Promise<Room>;
  getRoom(id: RoomId): Promise<Room | undefined>;
  getRoomByName(name: string): Promise<Room | undefined>;
  /** `room`-kind rooms (never direct conversations), by name: a page after the room named `after`. */
  listPublicRooms(userId: UserId, page: Page<string>): Promise<PublicRoom[]>;
  /** Creates the direct conversation with all its members, or returns the existing one (members unchanged). */
  openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }>;
  /** Adds a member and appends `memberJoined`; a no-op (event `null`) for an existing member. Rejects with `ROOM_NOT_FOUND`. */
  addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult>;
  /** Removes a member and appends `memberLeft`; a no-op (event `null`) for a non-member. */
  removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult>;
  /** Keeps the user out of the room (domain/use-cases/moderation.ts); a ban already there stays as it is. */
  banFromRoom(roomId: RoomId, userId: UserId, at: number): Promise<void>;
  /** Lifts the user's ban from the room; `false` when there was none. */
  liftRoomBan(roomId: RoomId, userId: UserId): Promise<boolean>;
  isBannedFromRoom(roomId: RoomId, userId: UserId): Promise<boolean>;
  /**
   * Binds `authorId`'s uploads `fileIds` in `roomId` to the send `clientMessageId`, all
   * or none, atomically (domain/use-cases/files.ts): `undefined` when they are this send's
   * now (each was free, or this repeats the send that took it), else the first file another
   * send holds, and then none is taken. A send without a client message id takes only free
   * uploads.
   */
  claimUploads(claim: UploadClaim): Promise<string | undefined>;
  /** The room's bans by user id: a page after the user `after`. */
  listRoomBans(roomId: RoomId, page: Page<UserId>): Promise<RoomBanRecord[]>;
  getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined>;
  /**
   * `getRoom`, `getMembership` and `getUser` in one read (one statement, one
   * batch of items): what a send checks of its sender and room, on every send.
   */
  getMemberContext(roomId: RoomId, userId: UserId): Promise<MemberContext>;
  /**
   * Sets (or with `null` clears) the topic of a `room`-kind room and appends
   * `topicChanged` naming `by`; a no-op (`null`) when the topic is already that.
   * Rejects with `ROOM_NOT_FOUND` (also for a direct conversation).
   */
  setRoomTopic(roomId: RoomId, topic: string | null, by: UserId, at: number): Promise<RoomEvent | null>;
  /**
   * Renames a `room`-kind room and appends `roomRenamed` naming `by`; a no-op (`null`)
   * when it already has that name. The old name is free at once (another room may take
   * it). Rejects with `ROOM_NOT_FOUND` (also for a direct conversation) or
   * `ROOM_NAME_TAKEN` (another room has the name, compared case-insensitively).
   */
  renameRoom(roomId: RoomId, name: string, by: UserId, at: number): Promise<RoomEvent | null>;
  /**
   * Makes a `room`-kind room public or private (a private room leaves the
   * directory) and appends `visibilityChanged` naming `by`; a no-op (`null`)
   * when it already is so. Rejects with `ROOM_NOT_FOUND` (also for a direct conversation).
   */
  setRoomVisibility(roomId: RoomId, visibility: RoomVisibility, by: UserId, at: number): Promise<RoomEvent | null>;
  /**
   * Sets a member's kept role and appends `memberRoleChanged` (the member as
   * `user`); a no-op (`null`) when the member already has it. Rejects with
   * `ROOM_NOT_FOUND` and `MEMBER_NOT_FOUND` (not a member).
   */
  setMemberRole(roomId: RoomId, userId: UserId, role: StoredRole, at: number): Promise<RoomEvent | null>;
  /**
   * Makes a `room`-kind room read-only or open again and appends `readOnlyChanged`
   * naming `by`; a no-op (`null`) when it already is so. Rejects with
   * `ROOM_NOT_FOUND` (also for a direct conversation).
   */
  setRoomReadOnly(roomId: RoomId, readOnly: boolean, by: UserId, at: number): Promise<RoomEvent | null>;
  /** Members by username (then id), with whether each is online and their kept role: a page. */
  listMembers(roomId: RoomId, page: Page<UserKey>): Promise<MemberRecord[]>;
  /** The user's rooms and direct conversations, with unread counts, by room id: a page after the room `after`. */
  listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]>;
  /**
   * The heads (`lastSeq`) of the user's rooms and direct conversations whose
   * newest event is stamped after `changedAfter` (its `at`, ms since the epoch),
   * by room id: a page after the room `after`. What the heartbeat reads, for
   * every connected user every interval: it must cost what the user's rooms
   * are, never what the rooms hold.
   */
  listRoomHeads(userId: UserId, changedAfter: number, page: Page<RoomId>): Promise<RoomHead[]>;
  /**
   * All the user's rooms and direct conversations (for subscriptions and
   * presence), by id, each with its member count counted up to `countUpTo`: a
   * room with more members says `countUpTo`, and 0 counts nothing. Presence
   * needs only to tell small rooms from large ones, and must not pay for a
   * large room's size on every connection (nor for any size when it announces
   * nothing).
   */
  listUserRoomSizes(userId: UserId, countUpTo: number): Promise<RoomSize[]>;
  getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined>;
  /**
   * Moves the read marker forward to `seq` (capped at the room's `lastSeq`; never
   * backwards). Returns the updated view, or `undefined` for a non-member.
   */
  markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined>;
  /**
   * Moves the read marker back to `seq` (never forwards: a marker at or before it stays),
   * so the messages after it count as unread again. Returns the updated view, or
   * `undefined` for a non-member.
   */
  markUnread(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined>;

  // Invite links (domain/use-cases/invites.ts)

  /** Stores a new invite link (its `uses` 0, not revoked). */
  createInvite(invite: StoredInvite): Promise<void>;
  getInvite(id: string): Promise<StoredInvite | undefined>;
  /**
   * Counts one use of the invite, atomically, if it is usable at `at`: not
   * revoked, `at` before `expiresAt`, fewer `uses` than `maxUses`. Resolves to
   * the invite after the use, or `undefined` (nothing written) when it is
   * unknown or not usable, so concurrent redemptions never pass `maxUses`.
   */
  consumeInvite(id: string, at: number): Promise<StoredInvite | undefined>;
  /** Sets `revokedAt` (kept when already revoked); resolves to the invite after it, `undefined` when unknown. */
  revokeInvite(id: string, at: number): Promise<StoredInvite | undefined>;
  /** The room's invite links (revoked and expired ones included), the newest first, up to `limit`. */
  listRoomInvites(roomId: RoomId, limit: number): Promise<StoredInvite[]>;

  // Messages and events

  /** Appends a `message` event. Rejects with `ROOM_NOT_FOUND`. Idempotent by (room, author, clientMessageId). */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** Sets the text and `editedAt`, appends `messageEdited`. `undefined` when missing or deleted. */
  editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined>;
  /**
   * Empties the text, the reactions and the attachments, unpins, sets `deletedAt` (and `removedByModerator`
   * when `options.byModerator`), appends `messageDeleted`. `undefined` when missing or already deleted.
   */
  deleteMessage(
    messageId: MessageId,
    at: number,
    options?: { /** @default false */ byModerator?: boolean },
  ): Promise<MessageEvent | undefined>;
  /**
   * Adds or removes one user's reaction (`applyReaction`, in the same atomic write
   * as the `messageReacted` event, so concurrent reactions all count and the
   * per-message limits hold). A repeat is a no-op (event `null`, nothing written).
   * `undefined` when the message is missing or deleted. Rejects with `TOO_MANY_REACTIONS`.
   */
  reactToMessage(messageId: MessageId, change: ReactionChange, at: number): Promise<MessageChangeResult | undefined>;
  /**
   * Pins (`by` set) or unpins (`by` null) a message and appends `messagePinned` /
   * `messageUnpinned`; a no-op (event `null`) when it already is so. `undefined`
   * when the message is missing or deleted. Rejects with `TOO_MANY_PINS` when the
   * room has `ChatLimits.pinsMaxPerRoom` pinned messages (counted in the same atomic write).
   */
  pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined>;
  /** Pinned messages with `seq < beforeSeq` (all when absent), up to `limit`, the newest ones, ascending. */
  listPinnedMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage>;
  getMessage(id: MessageId): Promise<Message | undefined>;
  /** The message `authorId` sent to `roomId` with `clientMessageId` (what a repeat of that send returns), if any. */
  getMessageByClientId(roomId: RoomId, authorId: UserId, clientMessageId: string): Promise<Message | undefined>;

  // Threads (one level deep: a reply's root is never a reply)

  /**
   * Appends a thread reply in the root's room: the reply's `message` event, then
   * the root's `threadUpdated` event (its `thread` summary counting the reply),
   * two consecutive sequence numbers in one atomic write. Idempotent by (room,
   * author, clientMessageId), shared with `appendMessage`: a repeat returns the
   * stored message and the root as it is, and writes nothing. Rejects with
   * `MESSAGE_NOT_FOUND` (no such root in `reply.roomId`), `MESSAGE_DELETED` (the
   * root was deleted), `NOT_A_THREAD_ROOT` (the root is itself a reply).
   */
  appendReply(reply: NewReply): Promise<ReplyResult>;
  /** Up to `limit` replies of the thread (deleted ones included) with `seq < beforeSeq` (all when absent), the newest ones, ascending. */
  listReplies(root: ThreadRoot, options: { beforeSeq?: number; limit: number }): Promise<MessagePage>;
  /**
   * Moves the user's read position in the thread forward to `seq` (never back),
   * following the thread when the user did not yet; resolves to the position
   * now stored. The caller caps `seq` (at the thread's newest reply).
   */
  markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number>;
  /** The user's read position in the thread; `undefined` when the user does not follow it. */
  getThreadRead(userId: UserId, root: ThreadRoot): Promise<number | undefined>;
  /**
   * Up to `limit` threads of the room the user follows whose root has `seq <
   * beforeSeq` (all when absent), with their roots' current state, the newest root first.
   */
  listThreadReads(
    userId: UserId,
    roomId: RoomId,
    options: { beforeSeq?: number; limit: number },
  ): Promise<ThreadRead[]>;
  /**
   * Up to `limit` messages of the room's timeline (deleted ones included; thread
   * replies only when also sent to the room) with `seq < beforeSeq` (all when
   * absent), the newest ones, in ascending order.
   */
  listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage>;
  /** Up to `limit` events with `seq > afterSeq`, ascending, message events with the message's current state. */
  listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]>;

  // Mentions and notification settings

  /**
   * Per room asked (same order): the live messages by others with `seq > afterSeq`
   * that mention the user by name or with `@room`. Costs what is unread in each room.
   */
  countMentions(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; afterSeq: number }>): Promise<number[]>;
  /** Stores the user's notification settings for a room (replacing earlier ones); kept after the user leaves. */
  setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void>;
  /** The stored settings of the user for those of `roomIds` (at most 100) that have some. */
  getNotificationSettings(userId: UserId, roomIds: readonly RoomId[]): Promise<Map<RoomId, NotificationSettings>>;
  // Audit log of moderation (domain/use-cases/audit-log.ts)

  /** Records one moderation action. */
  appendAuditEntry(entry: AuditEntry): Promise<void>;
  /**
   * Entries of one room, or of every room (`roomId` null), newest first (by
   * `at`, then `id`, both descending): a page of those older than `page.after`.
   */
  listAuditEntries(roomId: RoomId | null, page: Page<AuditKey>): Promise<AuditEntry[]>;

  // Search

  /** Matching, non-deleted messages in rooms the user is a member of, newest first, with highlighted snippets. */
  searchMessages(query: SearchQuery): Promise<SearchHit[]>;

  // Connections (presence and fan-out)

  /**
   * Records a connection; resolves to the number of connections the user now has:
   * 1 for exactly one of the calls that race to add a user's first ones (presence).
   */
  addConnection(connection: Connection): Promise<number>;
  /** `undefined` when the connection is unknown (already removed, by this call's race too). */
  removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined>;
  getConnection(connectionId: ConnectionId): Promise<Connection | undefined>;
  listUserConnections(userId: UserId): Promise<Connection[]>;
  /** Connections of the room's current members (what a lookup broadcaster posts to). */
  listRoomConnections(roomId: RoomId): Promise<Connection[]>;
  /** Users with at least one connection, by username (then id), each once: a page. */
  listOnlineUsers(page: Page<UserKey>): Promise<User[]>;
  /** Forgets every connection: a single-node server calls it at start, since its sockets died with the last process. */
  clearConnections(): Promise<void>;
}
