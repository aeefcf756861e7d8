/**
 * The chat's domain model. These are plain JSON-serialisable records: the same
 * shapes travel through every store adapter and, where a client sees them, over
 * the wire (docs/protocol.md). Timestamps are milliseconds since the Unix epoch,
 * taken from the `Clock` port.
 */

export type UserId = string;
export type RoomId = string;
export type MessageId = string;
export type ConnectionId = string;

export interface User {
  id: UserId;
  /** Lower case, unique (see `normalizeUsername`). */
  username: string;
  guest: boolean;
  createdAt: number;
}

/** A generated avatar: a deterministic colour and initials (see domain/avatar.ts). */
export interface Avatar {
  initials: string;
  /** CSS hex colour, e.g. `#3b7dd8`. */
  color: string;
}

/** What a client is told about a user. */
export interface UserSummary {
  id: UserId;
  username: string;
  guest: boolean;
  avatar: Avatar;
}

/** A stored password credential: `scrypt$N$r$p$<salt>$<hash>` (base64url parts). */
export interface PasswordCredential {
  userId: UserId;
  passwordHash: string;
}

/** `room`: named, listed, anyone may join. `direct`: exactly two members, never listed, never joined. */
export type RoomKind = 'room' | 'direct';

export interface Room {
  id: RoomId;
  kind: RoomKind;
  /** Unique among rooms; `null` for direct conversations. */
  name: string | null;
  createdBy: UserId | null;
  createdAt: number;
  /** Sequence number of the room's latest event; 0 before the first one. */
  lastSeq: number;
}

export interface Membership {
  roomId: RoomId;
  userId: UserId;
  joinedAt: number;
  /** The highest sequence number the user has read in this room. */
  lastReadSeq: number;
}

/** A message in its current state; an edit or delete changes the row and appends an event. */
export interface Message {
  id: MessageId;
  roomId: RoomId;
  /** Sequence number of the event that created the message; orders history. */
  seq: number;
  authorId: UserId;
  authorName: string;
  /** Empty once deleted. */
  text: string;
  clientMessageId: string | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
}

interface RoomEventBase {
  roomId: RoomId;
  /** The room's sequence number of this event: consecutive per room, starting at 1. */
  seq: number;
  at: number;
}

/**
 * A change to a room's visible state, numbered by the room's sequence. Message
 * events carry the message in its *current* state (a message edited later is
 * delivered with its latest text), so replaying events in order always ends in
 * the stored state. These are also the wire frames (docs/protocol.md).
 */
export type RoomEvent =
  | (RoomEventBase & { type: 'message'; message: Message })
  | (RoomEventBase & { type: 'messageEdited'; message: Message })
  | (RoomEventBase & { type: 'messageDeleted'; message: Message })
  | (RoomEventBase & { type: 'memberJoined'; user: UserSummary })
  | (RoomEventBase & { type: 'memberLeft'; user: UserSummary });

export type RoomEventType = RoomEvent['type'];

export type MessageEvent = Extract<RoomEvent, { type: 'message' | 'messageEdited' | 'messageDeleted' }>;

/** A live WebSocket connection of a user, kept for presence and fan-out. */
export interface Connection {
  connectionId: ConnectionId;
  userId: UserId;
  connectedAt: number;
}

/** A room as one user sees it: with the unread count kept on the server. */
export interface UserRoom {
  room: Room;
  membership: Membership;
  /** Messages after `membership.lastReadSeq` written by others and not deleted. */
  unread: number;
  /** The other member of a direct conversation. */
  peer: User | null;
}

/** The wire form of `UserRoom`. */
export interface RoomSummary {
  id: RoomId;
  kind: RoomKind;
  name: string | null;
  /** The other member of a direct conversation; `null` for rooms. */
  peer: UserSummary | null;
  lastSeq: number;
  lastReadSeq: number;
  unread: number;
}

/** A public room in the room directory. */
export interface RoomListing {
  id: RoomId;
  name: string;
  memberCount: number;
  joined: boolean;
}

export interface Member {
  user: UserSummary;
  joinedAt: number;
  online: boolean;
}

/**
 * Highlighted text without markup: `highlights` are `[start, end)` offsets into
 * `text` in UTF-16 code units (JavaScript string indices), sorted and disjoint.
 * A client renders the text as text and wraps the ranges itself.
 */
export interface Snippet {
  text: string;
  highlights: Array<[number, number]>;
}

export interface SearchHit {
  message: Message;
  room: Room;
  snippet: Snippet;
}

export interface SearchResult {
  message: Message;
  roomId: RoomId;
  roomKind: RoomKind;
  /** Room name, or the peer's username for a direct conversation. */
  roomName: string;
  snippet: Snippet;
}

/** Events missed in one room, oldest first. */
export interface RoomCatchUp {
  roomId: RoomId;
  events: RoomEvent[];
  /** The room's latest sequence number when read. */
  lastSeq: number;
  /** More events follow: ask again from the last event's `seq`. */
  hasMore: boolean;
}

export interface CatchUpResult {
  rooms: RoomCatchUp[];
  /** Rooms asked about that the user cannot read (left, or never a member). */
  notMember: RoomId[];
}

export interface HistoryPage {
  roomId: RoomId;
  /** Oldest first (ascending `seq`); deleted messages appear as tombstones (`deletedAt` set, empty text). */
  messages: Message[];
  /** Older messages exist before `messages[0].seq`. */
  hasMore: boolean;
}

/** A signed-in user and the token that authenticates the WebSocket connection. */
export interface Session {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  user: UserSummary;
}
