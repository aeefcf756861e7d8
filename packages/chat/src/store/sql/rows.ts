/**
 * The rows the SQL stores read (SQLite and PostgreSQL share the schema's column
 * names) and their mapping to domain records, in one place.
 *
 * The one thing the drivers return differently is a boolean: SQLite has no
 * boolean type and gives `0`/`1`, PostgreSQL gives `true`/`false`. Rows carry
 * either (`SqlBoolean`) and `flag` reads both.
 */
import type {
  Connection,
  Membership,
  Message,
  Room,
  RoomEvent,
  SearchHit,
  Snippet,
  User,
  UserRoom,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type { AppendResult, CounterState, MemberRecord, PublicRoom } from '../../ports/chat-store.ts';

/** A boolean as a driver returns it: `0`/`1` from SQLite, `false`/`true` from PostgreSQL. */
export type SqlBoolean = boolean | number;

export interface UserRow {
  id: string;
  username: string;
  guest: SqlBoolean;
  created_at: number;
}

export interface MemberRow extends UserRow {
  joined_at: number;
}

export interface RoomRow {
  id: string;
  kind: 'room' | 'direct';
  name: string | null;
  created_by: string | null;
  created_at: number;
  last_seq: number;
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
}

export interface UserRoomRow extends RoomRow {
  member_id: string;
  joined_at: number;
  last_read_seq: number;
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
}

/** An event with its message (every message column null for member events) and its user (null for message events). */
export interface EventRow extends Partial<MessageRow> {
  e_room_id: string;
  e_seq: number;
  e_type: RoomEvent['type'];
  e_at: number;
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
  r_last_seq: number;
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

export function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, guest: flag(row.guest), createdAt: row.created_at };
}

export function toMember(row: MemberRow): MemberRecord {
  return { user: toUser(row), joinedAt: row.joined_at };
}

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
  };
}

export function toPublicRoom(row: PublicRoomRow): PublicRoom {
  return { room: toRoom(row), memberCount: row.member_count, joined: flag(row.joined) };
}

export function toMembership(row: MembershipRow): Membership {
  return { roomId: row.room_id, userId: row.user_id, joinedAt: row.joined_at, lastReadSeq: row.last_read_seq };
}

export function toUserRoom(row: UserRoomRow): UserRoom {
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
  };
}

/** An append's answer for the stored message `row`: new (`created`) or the one an earlier send with its client id stored. */
export function toAppendResult(row: MessageRow, created: boolean): AppendResult {
  const message = toMessage(row);
  return {
    message,
    event: { type: 'message', roomId: message.roomId, seq: message.seq, at: message.createdAt, message },
    created,
  };
}

export function toEvent(row: EventRow): RoomEvent {
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
          guest: flag(row.u_guest!),
          createdAt: row.u_created_at!,
        }),
      };
  }
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
      last_seq: row.r_last_seq,
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
