/**
 * Who may do what in a room: the one place the room's roles are turned into
 * permissions. Every use case that gates an action on a role asks here.
 *
 * - The owner is the room's creator (`Room.createdBy`); `general` has none.
 * - Admins are members the owner named (`Membership.role`).
 * - Direct conversations have neither: both people are plain members, and
 *   nobody moderates, manages or silences a conversation of two.
 */
import type { Membership, Room, RoomRole } from './types.ts';

/** The member's role in the room (from a membership or a member listing). */
export function roomRole(room: Room, membership: Pick<Membership, 'userId' | 'role'>): RoomRole {
  if (room.kind === 'direct') return 'member';
  if (room.createdBy !== null && room.createdBy === membership.userId) return 'owner';
  return membership.role;
}

/** Remove members, delete others' messages, make the room read-only: the owner and admins. */
export function mayModerate(room: Room, membership: Membership): boolean {
  return roomRole(room, membership) !== 'member';
}

/** Mention `@room`, which notifies every member: the owner and admins. */
export function mayMentionRoom(room: Room, membership: Membership): boolean {
  return mayModerate(room, membership);
}

/** Set the room's topic: the owner and admins. */
export function maySetTopic(room: Room, membership: Membership): boolean {
  return mayModerate(room, membership);
}

/** Rename the room: the owner and admins, as for its topic. */
export function mayRename(room: Room, membership: Membership): boolean {
  return mayModerate(room, membership);
}

/** Change the room itself and who its admins are: the owner alone. */
export function mayManageRoom(room: Room, membership: Membership): boolean {
  return roomRole(room, membership) === 'owner';
}

/** Send a message: every member, unless the room is read-only, then its owner and admins. */
export function mayPost(room: Room, membership: Membership): boolean {
  return !room.readOnly || mayModerate(room, membership);
}

/** Whether `actor` may act against `target` (remove them): only on someone of a lower role. */
export function outranks(actor: RoomRole, target: RoomRole): boolean {
  return rank[actor] > rank[target];
}

const rank: Record<RoomRole, number> = { owner: 2, admin: 1, member: 0 };
