/**
 * Who may see a room. (Who may do what inside it is in room-permissions.ts: the
 * owner manages its visibility and invite links, `mayManageRoom`.)
 */
import type { Room } from './types.ts';

/**
 * Non-members are not told that the room exists: its refusals say
 * `ROOM_NOT_FOUND`, never `NOT_A_MEMBER` (direct conversations and private rooms).
 */
export function hiddenFromOutsiders(room: Room): boolean {
  return room.kind === 'direct' || room.visibility === 'private';
}
