/**
 * The rows the SQL stores read (SQLite and PostgreSQL share the schema's column
 * names) and their mapping to domain records, in one place.
 *
 * The one thing the drivers return differently is a boolean: SQLite has no
 * boolean type and gives `0`/`1`, PostgreSQL gives `true`/`false`. Rows carry
 * either (`SqlBoolean`) and `flag` reads both.
 */

import type { Attachment } from '../../domain/attachments.ts';
import type { NotificationLevel, NotificationSettings } from '../../domain/notification-settings.ts';
import type {
  AuditAction,
  AuditEntry,
  Connection,
  Membership,
  Message,
  MessageMentions,
  Reaction,
  Room,
  RoomEvent,
  RoomVisibility,
  SearchHit,
  SessionRecord,
  Snippet,
  StoredRole,
  ThreadRead,
  User,
  UserRoom,
  UserSummary,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type { CounterState, MemberContext, MemberRecord, PublicRoom, RoomBanRecord } from '../../ports/chat-store.ts';

/** A boolean as a driver returns it: `0`/`1` from SQLite, `false`/`true` from PostgreSQL. */
export type SqlBoolean = boolean | number;

export interface UserRow {
  id: string;
  username: string;
  guest: SqlBoolean;
  created_at: number;
}

export interface BanRow extends UserRow {
  banned_at: number;
}

export interface MemberRow extends UserRow {
  joined_at: number;
  role: StoredRole;
  online: SqlBoolean;
}

export interface RoomRow {
  id: string;
  kind: 'room' | 'direct';
  name: string | null;
  created_by: string | null;
  created_at: number;
  topic: string | null;
  last_seq: number;
  visibility: RoomVisibility;
  read_only: SqlBoolean;
}

export interface PublicRoomRow extends RoomRow {
  member_count: number;
  joined: SqlBoolean;
}

export interface MembershipRow {
  room_id: string;
  user_id: string;
  joined_at: number;
  last_read_seq: number;
  role: StoredRole;
}

/** `memberContext`'s one row: the room's columns, the membership's and the user's (prefixed), null where missing. */
export interface MemberContextRow extends Nullable<RoomRow> {
  joined_at: number | null;
  last_read_seq: number | null;
  role: StoredRole | null;
  user_id: string | null;
  user_username: string | null;
  user_guest: SqlBoolean | null;
  user_created_at: number | null;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

export interface UserRoomRow extends RoomRow {
  member_id: string;
  joined_at: number;
  last_read_seq: number;
  role: StoredRole;
  unread: number;
  peer_id: string | null;
  peer_username: string | null;
  peer_guest: SqlBoolean | null;
  peer_created_at: number | null;
}

export interface MessageRow {
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
  /** The reactions as JSON (`Reaction[]`), written only by the store. */
  reactions: string;
  pinned_at: number | null;
  pinned_by_id: string | null;
  pinned_by_name: string | null;
  thread_root_id: string | null;
  also_to_room: SqlBoolean;
  reply_count: number;
  last_reply_at: number | null;
  last_reply_seq: number | null;
  /** \`MessageMentions\` as JSON; null when the message mentions nobody. */
  mentions: string | null;
  removed_by_moderator: SqlBoolean;
  /** The attachments as JSON (`Attachment[]`). */
  attachments: string;
}

/** A followed thread: its root's columns and the follower's read position. */
export interface ThreadReadRow extends MessageRow {
  t_last_read_seq: number;
}

export interface NotificationSettingsRow {
  room_id: string;
  level: NotificationLevel;
  muted: SqlBoolean;
}

/** An event with its message (every message column null for member events) and its user (null for message events). */
export interface EventRow extends Partial<MessageRow> {
  e_room_id: string;
  e_seq: number;
  e_type: RoomEvent['type'];
  e_at: number;
  /** `topicChanged`: the topic it set. */
  e_topic: string | null;
  /** `visibilityChanged`: the visibility it set. */
  e_visibility: RoomVisibility | null;
  /** `memberRoleChanged`: the role it set; `readOnlyChanged`: `on` or `off`; `roomRenamed`: the name. */
  e_detail: string | null;
  u_id: string | null;
  u_username: string | null;
  u_guest: SqlBoolean | null;
  u_created_at: number | null;
}

/** A matching message with its room's columns prefixed `r_` (`SEARCH_HIT_COLUMNS`). */
export interface SearchRow extends MessageRow {
  r_id: string;
  r_kind: 'room' | 'direct';
  r_name: string | null;
  r_created_by: string | null;
  r_created_at: number;
  r_topic: string | null;
  r_last_seq: number;
  r_visibility: RoomVisibility;
  r_read_only: SqlBoolean;
}

export interface ConnectionRow {
  id: string;
  user_id: string;
  connected_at: number;
}

export interface CounterRow {
  count: number;
  reset_at: number;
}

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface AuditRow {
  id: string;
  room_id: string | null;
  at: number;
  action: AuditAction;
  actor_id: string;
  actor_name: string;
  target_id: string | null;
  target_name: string | null;
  detail: string | null;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    roomId: row.room_id,
    action: row.action,
    actor: { id: row.actor_id, username: row.actor_name },
    target: row.target_id === null ? null : { id: row.target_id, username: row.target_name! },
    detail: row.detail,
  };
}

/** The statement parameters of an audit entry (`insertAudit`). */
export function auditValues(entry: AuditEntry): unknown[] {
  return [
    entry.id,
    entry.roomId,
    entry.at,
    entry.action,
    entry.actor.id,
    entry.actor.username,
    entry.target?.id ?? null,
    entry.target?.username ?? null,
    entry.detail,
  ];
}

export function toSession(row: SessionRow): SessionRecord {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at };
}

export function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, guest: flag(row.guest), createdAt: row.created_at };
}

export function toRoomBan(row: BanRow): RoomBanRecord {
  return { user: toUser(row), bannedAt: row.banned_at };
}

export function toMember(row: MemberRow): MemberRecord {
  return { user: toUser(row), joinedAt: row.joined_at, online: flag(row.online), role: row.role };
}

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    topic: row.topic,
    lastSeq: row.last_seq,
    visibility: row.kind === 'direct' ? 'private' : row.visibility,
    readOnly: flag(row.read_only),
  };
}

export function toPublicRoom(row: PublicRoomRow): PublicRoom {
  return { room: toRoom(row), memberCount: row.member_count, joined: flag(row.joined) };
}

export function toMembership(row: MembershipRow): Membership {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    joinedAt: row.joined_at,
    lastReadSeq: row.last_read_seq,
    role: row.role,
  };
}

export function toMemberContext(row: MemberContextRow, roomId: string, userId: string): MemberContext {
  return {
    room: row.id === null ? undefined : toRoom(row as RoomRow),
    membership:
      row.joined_at === null
        ? undefined
        : toMembership({
            room_id: roomId,
            user_id: userId,
            joined_at: row.joined_at,
            last_read_seq: row.last_read_seq as number,
            role: row.role as StoredRole,
          }),
    user:
      row.user_id === null
        ? undefined
        : toUser({
            id: row.user_id,
            username: row.user_username as string,
            guest: row.user_guest as SqlBoolean,
            created_at: row.user_created_at as number,
          }),
  };
}

export function toUserRoom(row: UserRoomRow): UserRoom {
  return {
    room: toRoom(row),
    membership: {
      roomId: row.id,
      userId: row.member_id,
      joinedAt: row.joined_at,
      lastReadSeq: row.last_read_seq,
      role: row.role,
    },
    unread: row.unread,
    peer:
      row.peer_id === null
        ? null
        : {
            id: row.peer_id,
            username: row.peer_username!,
            guest: flag(row.peer_guest!),
            createdAt: row.peer_created_at!,
          },
  };
}

export function toMessage(row: MessageRow): Message {
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
    reactions: JSON.parse(row.reactions) as Reaction[],
    pinnedAt: row.pinned_at,
    pinnedBy: row.pinned_by_id === null ? null : { id: row.pinned_by_id, username: row.pinned_by_name! },
    threadRootId: row.thread_root_id,
    alsoToRoom: flag(row.also_to_room),
    thread:
      row.reply_count === 0
        ? null
        : { replyCount: row.reply_count, lastReplyAt: row.last_reply_at!, lastReplySeq: row.last_reply_seq! },
    removedByModerator: flag(row.removed_by_moderator),
    // A deleted message tells nobody whom it mentioned.
    ...(row.mentions && row.deleted_at === null ? { mentions: JSON.parse(row.mentions) as MessageMentions } : {}),
    attachments: JSON.parse(row.attachments) as Attachment[],
  };
}

export function toThreadRead(row: ThreadReadRow): ThreadRead {
  return { root: toMessage(row), lastReadSeq: row.t_last_read_seq };
}

export function toNotificationSettings(row: NotificationSettingsRow): NotificationSettings {
  return { level: row.level, muted: flag(row.muted) };
}

export function toEvent(row: EventRow): RoomEvent {
  const base = { roomId: row.e_room_id, seq: row.e_seq, at: row.e_at };
  switch (row.e_type) {
    case 'message':
    case 'messageEdited':
    case 'messageDeleted':
    case 'messageReacted':
    case 'messagePinned':
    case 'messageUnpinned':
    case 'threadUpdated':
      return { ...base, type: row.e_type, message: toMessage(row as MessageRow) };
    case 'memberJoined':
    case 'memberLeft':
      return { ...base, type: row.e_type, user: eventUser(row) };
    case 'topicChanged':
      return { ...base, type: row.e_type, user: eventUser(row), topic: row.e_topic };
    case 'roomRenamed':
      return { ...base, type: row.e_type, user: eventUser(row), name: row.e_detail! };
    case 'visibilityChanged':
      return { ...base, type: row.e_type, user: eventUser(row), visibility: row.e_visibility ?? 'public' };
    case 'memberRoleChanged':
      return { ...base, type: row.e_type, user: eventUser(row), role: row.e_detail as StoredRole };
    case 'readOnlyChanged':
      return { ...base, type: row.e_type, user: eventUser(row), readOnly: row.e_detail === 'on' };
  }
}

function eventUser(row: EventRow): UserSummary {
  return userSummary({
    id: row.u_id!,
    username: row.u_username!,
    guest: flag(row.u_guest!),
    createdAt: row.u_created_at!,
  });
}

/** A search hit; the snippet comes from the store's search engine, so the caller makes it. */
export function toSearchHit(row: SearchRow, snippet: Snippet): SearchHit {
  return {
    message: toMessage(row),
    room: toRoom({
      id: row.r_id,
      kind: row.r_kind,
      name: row.r_name,
      created_by: row.r_created_by,
      created_at: row.r_created_at,
      topic: row.r_topic,
      last_seq: row.r_last_seq,
      visibility: row.r_visibility,
      read_only: row.r_read_only,
    }),
    snippet,
  };
}

export function toConnection(row: ConnectionRow): Connection {
  return { connectionId: row.id, userId: row.user_id, connectedAt: row.connected_at };
}

export function toCounter(row: CounterRow): CounterState {
  return { count: row.count, resetAt: row.reset_at };
}

function flag(value: SqlBoolean): boolean {
  return value === true || value === 1;
}
