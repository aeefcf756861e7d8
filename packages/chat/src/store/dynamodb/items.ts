/**
 * The shapes of the stored items and their mapping to and from the domain's
 * records. Absent attributes stand for `null` (DynamoDB stores no empty values
 * worth paying for).
 */

import type { Attachment } from '../../domain/attachments.ts';
import { mentionKeys } from '../../domain/mentions.ts';
import type {
  Connection,
  ConnectionId,
  Membership,
  Message,
  MessageId,
  MessageMentions,
  Reaction,
  Room,
  RoomEvent,
  RoomId,
  RoomVisibility,
  StoredRole,
  ThreadSummary,
  User,
  UserId,
  UserRef,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import { gsi1Members, keys } from './table-design.ts';

/** A primary key of the table. */
export type Key = { pk: string; sk: string };

export interface UserItem {
  id: UserId;
  username: string;
  guest: boolean;
  createdAt: number;
}

export interface RoomItem {
  id: RoomId;
  kind: Room['kind'];
  name?: string;
  createdBy?: UserId;
  topic?: string;
  /** Absent while the room is open to every member. */
  readOnly?: true;
  createdAt: number;
  lastSeq: number;
  /** When the event `lastSeq` happened; absent until the room's first event (what the heartbeat reads). */
  headAt?: number;
  memberCount: number;
  /** Absent for public rooms (and direct conversations, which are private anyway). */
  visibility?: 'private';
}

export interface MemberItem extends Omit<Membership, 'role'> {
  /** Absent for a plain member (every membership written before roles existed, too). */
  role?: 'admin';
  /** The member, for listings and events (users never change). */
  user: UserItem;
  /** The other member of a direct conversation. */
  peer?: UserItem;
}

export interface MessageItem {
  id: MessageId;
  roomId: RoomId;
  seq: number;
  authorId: UserId;
  authorName: string;
  text: string;
  clientMessageId?: string;
  createdAt: number;
  editedAt?: number;
  deletedAt?: number;
  /** Absent while there are none. */
  reactions?: Reaction[];
  /** Absent while not pinned. */
  pinnedAt?: number;
  pinnedBy?: UserRef;
  /** Thread replies only. */
  threadRootId?: MessageId;
  /** Present (true) only on a thread reply also sent to the room. */
  alsoToRoom?: boolean;
  /** A thread root's summary; absent until its first reply. */
  thread?: ThreadSummary;
  /** Absent while the message mentions nobody. */
  mentions?: MessageMentions;
  /** `mentionKeys(mentions)`: what an unread-mentions count filters on (mentions.ts). */
  mentionIds?: string[];
  /** Present once a moderator removed it. */
  removedByModerator?: true;
  /** Absent while there are none. */
  attachments?: Attachment[];
}

/** A query filter that keeps the messages of a room's timeline: not a thread reply, or one also sent to the room. */
export const IN_TIMELINE = {
  filter: '(attribute_not_exists(#threadRootId) OR #alsoToRoom = :alsoToRoom)',
  names: { '#threadRootId': 'threadRootId', '#alsoToRoom': 'alsoToRoom' },
  values: { ':alsoToRoom': true },
} as const;

export interface EventItem {
  type: RoomEvent['type'];
  at: number;
  /** Message events: the message's sequence number (its key). */
  messageSeq?: number;
  /** Member events: the member; room changes (`topicChanged`, `roomRenamed`, …): who made them. */
  user?: UserItem;
  /** `topicChanged`: the topic it set (absent: cleared). */
  topic?: string;
  /** `visibilityChanged`: the visibility it set. */
  visibility?: RoomVisibility;
  /** `memberRoleChanged`: the role it set. */
  role?: StoredRole;
  /** `readOnlyChanged`: what it set. */
  readOnly?: boolean;
  /** `roomRenamed`: the name it set. */
  name?: string;
}

export interface ConnectionItem {
  connectionId: ConnectionId;
  userId: UserId;
  connectedAt: number;
  /** TTL, epoch seconds (see `DynamoDbChatStoreOptions.connectionTtlSeconds`). */
  expiresAt: number;
}

/** What the online index (gsi1 `ONLINE`) projects of a user -> connection item. */
export interface OnlineEntry {
  connectionId: ConnectionId;
  userId: UserId;
  username: string;
  guest: boolean;
  createdAt: number;
  connectedAt: number;
}

export interface CounterItem {
  hits: number;
  resetAt: number;
}

export function roomItem(room: Room): Omit<RoomItem, 'memberCount'> {
  return {
    id: room.id,
    kind: room.kind,
    ...(room.name === null ? {} : { name: room.name }),
    ...(room.createdBy === null ? {} : { createdBy: room.createdBy }),
    ...(room.topic === null ? {} : { topic: room.topic }),
    ...(room.kind === 'room' && room.visibility === 'private' ? { visibility: 'private' as const } : {}),
    ...(room.readOnly && { readOnly: true as const }),
    createdAt: room.createdAt,
    lastSeq: room.lastSeq,
  };
}

/** A membership item; its gsi1 entry lists the room's members by username. */
export function memberItem(membership: Membership, user: User): MemberItem & { gsi1pk: string; gsi1sk: string } {
  const { role, ...rest } = membership;
  return {
    ...rest,
    ...(role === 'admin' && { role }),
    user: { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt },
    gsi1pk: gsi1Members(membership.roomId),
    gsi1sk: `${user.username}#${user.id}`,
  };
}

export function messageItem(message: Message): MessageItem {
  const {
    clientMessageId,
    editedAt,
    deletedAt,
    reactions,
    pinnedAt,
    pinnedBy,
    threadRootId,
    alsoToRoom,
    thread,
    mentions,
    removedByModerator,
    attachments,
    ...rest
  } = message;
  return {
    ...rest,
    ...(threadRootId === null ? {} : { threadRootId }),
    ...(alsoToRoom ? { alsoToRoom } : {}),
    ...(thread === null ? {} : { thread }),
    ...(mentions === undefined ? {} : { mentions, mentionIds: mentionKeys(mentions) }),
    ...(removedByModerator && { removedByModerator }),
    ...(attachments.length === 0 ? {} : { attachments }),
    ...(pinnedAt === null ? {} : { pinnedAt }),
    ...(pinnedBy === null ? {} : { pinnedBy }),
    ...(reactions.length === 0 ? {} : { reactions }),
    ...(clientMessageId === null ? {} : { clientMessageId }),
    ...(editedAt === null ? {} : { editedAt }),
    ...(deletedAt === null ? {} : { deletedAt }),
  };
}

export function toUser(item: UserItem | undefined): User | undefined {
  return item && { id: item.id, username: item.username, guest: item.guest, createdAt: item.createdAt };
}

export function toRoom(item: RoomItem | undefined): Room | undefined {
  return (
    item && {
      id: item.id,
      kind: item.kind,
      name: item.name ?? null,
      createdBy: item.createdBy ?? null,
      topic: item.topic ?? null,
      createdAt: item.createdAt,
      lastSeq: item.lastSeq,
      visibility: item.kind === 'direct' ? 'private' : (item.visibility ?? 'public'),
      readOnly: item.readOnly === true,
    }
  );
}

export function toMembership(item: MemberItem): Membership {
  return {
    roomId: item.roomId,
    userId: item.userId,
    joinedAt: item.joinedAt,
    lastReadSeq: item.lastReadSeq,
    role: item.role ?? 'member',
  };
}

export function toMessage(item: MessageItem | undefined): Message | undefined {
  return (
    item && {
      id: item.id,
      roomId: item.roomId,
      seq: item.seq,
      authorId: item.authorId,
      authorName: item.authorName,
      text: item.text,
      clientMessageId: item.clientMessageId ?? null,
      createdAt: item.createdAt,
      editedAt: item.editedAt ?? null,
      deletedAt: item.deletedAt ?? null,
      reactions: item.reactions ?? [],
      pinnedAt: item.pinnedAt ?? null,
      pinnedBy: item.pinnedBy ?? null,
      threadRootId: item.threadRootId ?? null,
      alsoToRoom: item.alsoToRoom ?? false,
      thread: item.thread ?? null,
      // A deleted message tells nobody whom it mentioned.
      ...(item.mentions && item.deletedAt === undefined ? { mentions: item.mentions } : {}),
      removedByModerator: item.removedByModerator === true,
      attachments: item.attachments ?? [],
    }
  );
}

/** An event item as the port's event; message events take the message's current state from `messages`. */
export function toEvent(roomId: RoomId, item: EventItem & Key, messages: Map<string, MessageItem & Key>): RoomEvent {
  const base = { roomId, seq: Number(item.sk.slice('EVENT#'.length)), at: item.at };
  switch (item.type) {
    case 'message':
    case 'messageEdited':
    case 'messageDeleted':
    case 'messageReacted':
    case 'messagePinned':
    case 'messageUnpinned':
    case 'threadUpdated': {
      return {
        ...base,
        type: item.type,
        message: toMessage(messages.get(keyOf(keys.message(roomId, item.messageSeq!))))!,
      };
    }
    case 'memberJoined':
    case 'memberLeft':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!) };
    case 'topicChanged':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!), topic: item.topic ?? null };
    case 'roomRenamed':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!), name: item.name! };
    case 'visibilityChanged':
      return {
        ...base,
        type: item.type,
        user: userSummary(toUser(item.user)!),
        visibility: item.visibility ?? 'public',
      };
    case 'memberRoleChanged':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!), role: item.role ?? 'member' };
    case 'readOnlyChanged':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!), readOnly: item.readOnly === true };
  }
}

export function toConnection(item: ConnectionItem): Connection {
  return { connectionId: item.connectionId, userId: item.userId, connectedAt: item.connectedAt };
}

/** Items by `keyOf` their primary key. */
export function byKey<T extends Key>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [keyOf(item), item]));
}

export function keyOf({ pk, sk }: Key): string {
  return `${pk}\n${sk}`;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function epochSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
