/**
 * The order the sidebar lists conversations in (rooms by name, then direct
 * conversations by the other person's name), and stepping through it from the
 * keyboard (Alt+Arrow Up/Down; with Shift, only conversations with unread messages).
 */
import type { RoomId, RoomSummary } from '@switchboard/chat/api';

/** A room's name, the other person's username for a direct conversation, or the other people's for a group. */
export function roomLabel(room: RoomSummary): string {
  return (
    room.name ?? room.peer?.username ?? room.members?.map((member) => member.username).join(', ') ?? 'conversation'
  );
}

export function byName(a: RoomSummary, b: RoomSummary): number {
  return roomLabel(a).localeCompare(roomLabel(b));
}

/** Every conversation in sidebar order. */
export function sidebarOrder(rooms: readonly RoomSummary[]): RoomSummary[] {
  return [...rooms].sort((a, b) => Number(a.kind !== 'room') - Number(b.kind !== 'room') || byName(a, b));
}

/**
 * The conversation `step` places away from the active one (wrapping around);
 * with `unreadOnly`, the nearest in that direction with unread messages. Null
 * when there is none to go to.
 */
export function adjacentConversation(
  rooms: readonly RoomSummary[],
  activeRoomId: RoomId | null,
  step: 1 | -1,
  unreadOnly = false,
): RoomSummary | null {
  const order = sidebarOrder(rooms);
  const from = order.findIndex((room) => room.id === activeRoomId);
  for (let offset = 1; offset <= order.length; offset++) {
    const candidate = order[(((from + step * offset) % order.length) + order.length) % order.length]!;
    if (candidate.id === activeRoomId) return null;
    if (!unreadOnly || candidate.unread > 0) return candidate;
  }
  return null;
}
