/**
 * The chat's domain model. These are plain JSON-serialisable records: the same
 * shapes travel through every store adapter and, where a client sees them, over
 * the wire (docs/protocol.md). Timestamps are milliseconds since the Unix epoch,
 * taken from the `Clock` port.
 */

import type { Attachment } from './attachments.ts';
import type { NotificationSettings } from './notification-settings.ts';

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

/**
 * `room`: named; listed and open to anyone when public (`RoomVisibility`).
 * `direct`: a conversation of fixed people, never listed, never joined or left:
 * two (a direct message, each the other's `peer`) or 3 to 8 (a group direct message).
 */
export type RoomKind = 'room' | 'direct';

/**
 * Who may see a room: `public` rooms are in the directory and anyone may join;
 * `private` rooms are unlisted, only their members can read them, and joining
 * takes an invite (domain/use-cases/invites.ts). Direct conversations are always `private`.
 */
export type RoomVisibility = 'public' | 'private';

export interface Room {
  id: RoomId;
  kind: RoomKind;
  /** Unique among rooms; `null` for direct conversations. */
  name: string | null;
  /** Who created the room: its owner, the one who may set the topic. `null` for direct conversations and `general`. */
  createdBy: UserId | null;
  createdAt: number;
  /** One line about the room; `null` when none is set (always for direct conversations). */
  topic: string | null;
  /** Sequence number of the room's latest event; 0 before the first one. */
  lastSeq: number;
  /** `private` for every direct conversation. */
  visibility: RoomVisibility;
  /** Only the owner and admins may post (domain/room-permissions.ts); always `false` for direct conversations. */
  readOnly: boolean;
}

/**
 * A member's role in a room. The owner is the room's creator (`Room.createdBy`,
 * so every existing room has its owner without a data migration); admins are
 * named by the owner; everyone else is a member. Direct conversations have no
 * admins (domain/room-permissions.ts).
 */
export type RoomRole = 'owner' | 'admin' | 'member';

/** The role a store keeps on a membership: the owner comes from the room. */
export type StoredRole = Exclude<RoomRole, 'owner'>;

export interface Membership {
  roomId: RoomId;
  userId: UserId;
  joinedAt: number;
  /** The highest sequence number the user has read in this room. */
  lastReadSeq: number;
  /** `admin` when the owner made the member one; a removed member who joins again is a `member`. */
  role: StoredRole;
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
  /** Emoji reactions, in the order each emoji was first used; empty once deleted (domain/reactions.ts). */
  reactions: Reaction[];
  /** When the message was pinned to its room, and by whom; `null` when it is not pinned (never once deleted). */
  pinnedAt: number | null;
  pinnedBy: UserRef | null;
  /** A thread reply: its root message's id (threads are one level deep); `null` for every other message. */
  threadRootId: MessageId | null;
  /** A thread reply that was also sent to the room: it shows in the room's timeline and history too. `false` otherwise. */
  alsoToRoom: boolean;
  /** A thread root's replies so far; `null` until the first reply (always for replies). */
  thread: ThreadSummary | null;
  /** Deleted by a room moderator (owner or admin), not by its author; clients show "removed by a moderator". */
  removedByModerator: boolean;
  /** Who the message mentions, resolved when it was sent (domain/mentions.ts); absent when nobody, and once deleted. */
  mentions?: MessageMentions;
  /** Attached files, in the order sent (domain/attachments.ts); empty once deleted. */
  attachments: Attachment[];
}

/**
 * The replies of a thread as its root shows them. Counts every reply posted
 * (a deleted reply stays in the thread as a tombstone, so it stays counted).
 */
export interface ThreadSummary {
  replyCount: number;
  /** When the newest reply was posted (ms since the epoch). */
  lastReplyAt: number;
  /** The room sequence number of the newest reply: a thread is unread while this is beyond one's `lastReadSeq` of it. */
  lastReplySeq: number;
}

/** Who a message mentions (domain/mentions.ts). Carried on `Message.mentions` (absent when it mentions nobody). */
export interface MessageMentions {
  /** Members named with `@username`, in the order first named; never the author. */
  users: UserRef[];
  /** `@room`: every member (only the room's owner may: room-permissions.ts). */
  room: boolean;
}

/** A user named as they were at the time (who reacted, who pinned). */
export interface UserRef {
  id: UserId;
  username: string;
}

/** One emoji on a message and everyone who reacted with it, the earliest first; the count is `users.length` (at least 1). */
export interface Reaction {
  emoji: string;
  users: UserRef[];
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
  | (RoomEventBase & { type: 'messageReacted'; message: Message })
  | (RoomEventBase & { type: 'messagePinned'; message: Message })
  | (RoomEventBase & { type: 'messageUnpinned'; message: Message })
  /** A reply was added to the thread of `message` (the root, with its new `thread` summary); the reply has its own `message` event just before. */
  | (RoomEventBase & { type: 'threadUpdated'; message: Message })
  | (RoomEventBase & { type: 'memberJoined'; user: UserSummary })
  | (RoomEventBase & { type: 'memberLeft'; user: UserSummary })
  /** `user` set the topic to `topic` (`null`: cleared); the topic as set by this event, not the current one. */
  | (RoomEventBase & { type: 'topicChanged'; user: UserSummary; topic: string | null })
  /** `user` (the owner or an admin) renamed the room to `name`. */
  | (RoomEventBase & { type: 'roomRenamed'; user: UserSummary; name: string })
  /** `user` made the room public or private. */
  | (RoomEventBase & { type: 'visibilityChanged'; user: UserSummary; visibility: RoomVisibility })
  /** The owner made `user` an admin (`role: 'admin'`) or a member again (`role: 'member'`). */
  | (RoomEventBase & { type: 'memberRoleChanged'; user: UserSummary; role: StoredRole })
  /** `user` (the owner or an admin) made the room read-only (`readOnly: true`) or open to every member again. */
  | (RoomEventBase & { type: 'readOnlyChanged'; user: UserSummary; readOnly: boolean });

export type RoomEventType = RoomEvent['type'];

export type MessageEvent = Extract<
  RoomEvent,
  {
    type:
      | 'message'
      | 'messageEdited'
      | 'messageDeleted'
      | 'messageReacted'
      | 'messagePinned'
      | 'messageUnpinned'
      | 'threadUpdated';
  }
>;

/** What a moderation entry in the audit log records. */
export type AuditAction =
  | 'memberRoleChanged'
  /** `detail` is `banned` when the member was banned too. */
  | 'memberRemoved'
  /** A moderator banned someone who was not a member (a member's ban is `memberRemoved` with `banned`). */
  | 'userBanned'
  /** A moderator let a banned user back in (`unban`, or by adding them). */
  | 'banLifted'
  | 'messageRemoved'
  | 'readOnlyChanged'
  /** A server admin deactivated an account (no room). */
  | 'userDeactivated';

/**
 * One moderation action, as the audit log keeps it (domain/use-cases/audit-log.ts):
 * who did what to whom, named as they were then.
 */
export interface AuditEntry {
  id: string;
  at: number;
  /** The room acted in; `null` for an account's deactivation. */
  roomId: RoomId | null;
  action: AuditAction;
  actor: UserRef;
  /** The member (role, removal), the message's author or the account; `null` for `readOnlyChanged`. */
  target: UserRef | null;
  /** What the action set: the role, `on` / `off` (read-only), the removed message's id, `banned` (a removal). */
  detail: string | null;
}

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
  /** Messages after `membership.lastReadSeq` written by others and not deleted (thread replies only when also sent to the room). */
  unread: number;
  /** The other member of a two-person direct conversation; `null` for rooms and group conversations. */
  peer: User | null;
}

/** The wire form of `UserRoom`. */
export interface RoomSummary {
  id: RoomId;
  kind: RoomKind;
  name: string | null;
  /** The other member of a two-person direct conversation; `null` for rooms and group conversations. */
  peer: UserSummary | null;
  /**
   * The other people of a group direct conversation (`kind` `direct`, 3 to 8
   * people), by username: what names it. Absent for rooms and two-person ones.
   */
  members?: UserSummary[];
  topic: string | null;
  /** The room's owner (its creator); `null` when nobody owns it. */
  ownerId: UserId | null;
  visibility: RoomVisibility;
  /** The viewer's own role in the room. */
  role: RoomRole;
  /** Only the owner and admins may post. */
  readOnly: boolean;
  lastSeq: number;
  lastReadSeq: number;
  unread: number;
  /** Of the unread messages, those that mention the user (by name or `@room`). */
  mentions: number;
  /** The user's notification settings for the room (the defaults until they choose). */
  notifications: NotificationSettings;
}

/** A public room in the room directory. */
export interface RoomListing {
  id: RoomId;
  name: string;
  /** So people can tell rooms apart before joining; `null` when none is set. */
  topic: string | null;
  memberCount: number;
  joined: boolean;
}

export interface Member {
  user: UserSummary;
  joinedAt: number;
  online: boolean;
  role: RoomRole;
}

/** Names another user in a request: by id, or by username (any case, spaces around and a leading `@` ignored). */
export type UserTarget = { userId: UserId } | { username: string };

/** Someone kept out of a room (`ban`, or `removeMember` with `ban`), and since when. */
export interface RoomBan {
  user: UserSummary;
  bannedAt: number;
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
  /** Room name, the peer's username for a direct conversation, or the other people's, comma-separated, for a group. */
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

/** Where a room's sequence stands: its newest event's `seq` (the heartbeat's answer, `pong`). */
export interface RoomHead {
  roomId: RoomId;
  seq: number;
}

/** A thread: its root and a page of its replies (answer to `thread`). */
export interface ThreadPage {
  roomId: RoomId;
  /** The root message, also once deleted (a tombstone keeps its thread readable). */
  root: Message;
  /** Oldest first (ascending `seq`); deleted replies appear as tombstones. */
  replies: Message[];
  /** Older replies exist before `replies[0].seq`. */
  hasMore: boolean;
  /** How far the caller has read this thread (a room `seq`; 0 when never). */
  lastReadSeq: number;
}

/** A thread a user follows (they replied in it, opened it, or wrote its root) and how far they have read it. */
export interface ThreadRead {
  /** The root in its current state: unread while `root.thread.lastReplySeq > lastReadSeq`. */
  root: Message;
  lastReadSeq: number;
}

export interface HistoryPage {
  roomId: RoomId;
  /** Oldest first (ascending `seq`); deleted messages appear as tombstones (`deletedAt` set, empty text). */
  messages: Message[];
  /** Older messages exist before `messages[0].seq`. */
  hasMore: boolean;
}

/**
 * A session as the server keeps it: a token is good while its session exists
 * and has not expired. Signing out deletes it; refreshing replaces it.
 */
export interface SessionRecord {
  id: string;
  userId: UserId;
  createdAt: number;
  /** Milliseconds since the epoch; the token's `exp` is the same moment. */
  expiresAt: number;
}

/** A signed-in user and the token that authenticates the WebSocket connection. */
export interface Session {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  user: UserSummary;
}

/**
 * An invite link to a room, as its room's managers see it. The link's token is
 * shown once, when it is created; the store keeps only a hash of its secret.
 */
export interface RoomInvite {
  id: string;
  roomId: RoomId;
  createdBy: UserId;
  createdAt: number;
  /** After this moment (ms since the epoch) the link no longer works. */
  expiresAt: number;
  /** How many people may join with it. */
  maxUses: number;
  /** How many have. */
  uses: number;
  /** When a manager revoked it; `null` while it stands. */
  revokedAt: number | null;
}
