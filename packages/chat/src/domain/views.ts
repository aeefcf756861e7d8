/**
 * How stored records are shown to clients, and the id scheme of direct
 * conversations. Pure functions shared by the service and the store adapters.
 */
import { avatarFor } from './avatar.ts';
import type { RoomId, RoomSummary, User, UserId, UserRoom, UserSummary } from './types.ts';

export function userSummary(user: User): UserSummary {
  return { id: user.id, username: user.username, guest: user.guest, avatar: avatarFor(user.username) };
}

export function roomSummary({ room, membership, unread, peer }: UserRoom): RoomSummary {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    peer: peer ? userSummary(peer) : null,
    lastSeq: room.lastSeq,
    lastReadSeq: membership.lastReadSeq,
    unread,
  };
}

/**
 * The id of the direct conversation between two users: the same for either
 * order, so opening it twice (or from two nodes at once) finds one conversation.
 */
export function directRoomId(a: UserId, b: UserId): RoomId {
  return a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`;
}
