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
 *   appended, edited or deleted; a member added or removed) appends one
 *   `RoomEvent` carrying the room's next sequence number, in the same atomic
 *   write as the change itself. Numbers are consecutive per room from 1, also
 *   under concurrent writers (a transaction, a conditional write).
 * - Timestamps and ids come from the caller; the store never reads a clock.
 */
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
}

export interface NewDirect {
  /** Deterministic for the pair (see `directRoomId`), which makes opening idempotent. */
  id: RoomId;
  userIds: readonly [UserId, UserId];
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
}

export interface AppendResult {
  message: Message;
  event: MessageEvent;
  /** `false` when `clientMessageId` matched an earlier message: nothing was written. */
  created: boolean;
}

export interface MembershipResult {
  membership: Membership | null;
  /** The `memberJoined` / `memberLeft` event, or `null` when nothing changed. */
  event: RoomEvent | null;
}

export interface PublicRoom {
  room: Room;
  memberCount: number;
  joined: boolean;
}

export interface MemberRecord {
  user: User;
  joinedAt: number;
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
  /** Connections the user still has. */
  remaining: number;
}

export interface ChatStore {
  // Users and credentials

  /** Rejects with `USERNAME_TAKEN` when the username (case-insensitive) exists. */
  createUser(user: NewUser): Promise<User>;
  getUser(id: UserId): Promise<User | undefined>;
  getUserByUsername(username: string): Promise<User | undefined>;
  /** The stored password hash; `undefined` for guests and unknown users. */
  getPasswordHash(userId: UserId): Promise<string | undefined>;

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
  /** Every `room`-kind room (never direct conversations), by name. */
  listPublicRooms(userId: UserId): Promise<PublicRoom[]>;
  /** Creates the direct conversation with both members, or returns the existing one. */
  openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }>;
  /** Adds a member and appends `memberJoined`; a no-op (event `null`) for an existing member. Rejects with `ROOM_NOT_FOUND`. */
  addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult>;
  /** Removes a member and appends `memberLeft`; a no-op (event `null`) for a non-member. */
  removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult>;
  getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined>;
  /** Members by username. */
  listMembers(roomId: RoomId): Promise<MemberRecord[]>;
  /** The user's rooms and direct conversations, with unread counts. */
  listUserRooms(userId: UserId): Promise<UserRoom[]>;
  getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined>;
  /**
   * Moves the read marker forward to `seq` (capped at the room's `lastSeq`; never
   * backwards). Returns the updated view, or `undefined` for a non-member.
   */
  markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined>;

  // Messages and events

  /** Appends a `message` event. Rejects with `ROOM_NOT_FOUND`. Idempotent by (room, author, clientMessageId). */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** Sets the text and `editedAt`, appends `messageEdited`. `undefined` when missing or deleted. */
  editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined>;
  /** Empties the text, sets `deletedAt`, appends `messageDeleted`. `undefined` when missing or already deleted. */
  deleteMessage(messageId: MessageId, at: number): Promise<MessageEvent | undefined>;
  getMessage(id: MessageId): Promise<Message | undefined>;
  /** Up to `limit` messages (deleted ones included) with `seq < beforeSeq` (all when absent), the newest ones, in ascending order. */
  listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage>;
  /** Up to `limit` events with `seq > afterSeq`, ascending, message events with the message's current state. */
  listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]>;

  // Search

  /** Matching, non-deleted messages in rooms the user is a member of, newest first, with highlighted snippets. */
  searchMessages(query: SearchQuery): Promise<SearchHit[]>;

  // Connections (presence and fan-out)

  /** Records a connection; resolves to the number of connections the user now has. */
  addConnection(connection: Connection): Promise<number>;
  /** `undefined` when the connection is unknown (already removed). */
  removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined>;
  getConnection(connectionId: ConnectionId): Promise<Connection | undefined>;
  listUserConnections(userId: UserId): Promise<Connection[]>;
  /** Connections of the room's current members (what a lookup broadcaster posts to). */
  listRoomConnections(roomId: RoomId): Promise<Connection[]>;
  /** Users with at least one connection, by username. */
  listOnlineUsers(): Promise<User[]>;
  /** Forgets every connection: a single-node server calls it at start, since its sockets died with the last process. */
  clearConnections(): Promise<void>;
}
