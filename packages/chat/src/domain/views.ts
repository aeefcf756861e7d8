/**
 * How stored records are shown to clients, and the id scheme of direct
 * conversations. Pure functions shared by the service and the store adapters.
 */
import { createHash } from 'node:crypto';
import { avatarFor } from './avatar.ts';
import { roomRole } from './room-permissions.ts';
import type { RoomId, RoomSummary, User, UserId, UserRoom, UserSummary } from './types.ts';

export function userSummary(user: User): UserSummary {
  return { id: user.id, username: user.username, guest: user.guest, avatar: avatarFor(user.username) };
}

/** What a room summary adds to the stored view for its member: mentions unread and notification settings. */
export type RoomAttention = Pick<RoomSummary, 'mentions' | 'notifications'>;

export function roomSummary({ room, membership, unread, peer }: UserRoom, attention: RoomAttention): RoomSummary {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    peer: peer ? userSummary(peer) : null,
    topic: room.topic,
    ownerId: room.kind === 'room' ? room.createdBy : null,
    visibility: room.visibility,
    role: roomRole(room, membership),
    readOnly: room.readOnly,
    lastSeq: room.lastSeq,
    lastReadSeq: membership.lastReadSeq,
    unread,
    ...attention,
  };
}

/**
 * The id of the direct conversation between two users: the same for either
 * order, so opening it twice (or from two nodes at once) finds one conversation.
 */
export function directRoomId(a: UserId, b: UserId): RoomId {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}

/**
 * The id of the group direct conversation of exactly these people (the starter
 * included): the same for any order and any starter, so opening the same group
 * again (or from two nodes at once) finds one conversation. A digest keeps it
 * short whatever the ids are.
 */
export function groupRoomId(userIds: readonly UserId[]): RoomId {
  const digest = createHash('sha256')
    .update(JSON.stringify([...userIds].sort()))
    .digest('base64url');
  return `${GROUP_ROOM_ID_PREFIX}${digest}`;
}

/**
 * How every group conversation's id starts (never a two-person one's, `dm:`):
 * a SQL store tells them apart by it without counting members.
 */
export const GROUP_ROOM_ID_PREFIX = 'group:';
