/** The user's rooms or direct conversations, each with its server-kept unread count. */
import type { RoomKind, RoomSummary } from '@switchboard/chat/api';
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';

interface RoomListProps {
  kind: RoomKind;
  labelledBy: string;
  onNavigate: () => void;
}

export function RoomList({ kind, labelledBy, onNavigate }: RoomListProps) {
  const client = useChatClient();
  const rooms = useChat((state) => state.rooms);
  const activeRoomId = useChat((state) => state.activeRoomId);
  const online = useChat((state) => state.online);
  const shown = rooms.filter((room) => room.kind === kind).sort(byName);
  if (shown.length === 0) {
    return <p className="sidebar__empty">{kind === 'room' ? 'No rooms yet.' : 'Pick someone online to talk to.'}</p>;
  }
  return (
    <ul className="room-list" aria-labelledby={labelledBy} data-testid={kind === 'room' ? 'room-list' : 'dm-list'}>
      {shown.map((room) => {
        const name = roomLabel(room);
        const active = room.id === activeRoomId;
        return (
          <li key={room.id}>
            <button
              type="button"
              className="room-list__item"
              data-testid="room-item"
              data-room-name={name}
              aria-current={active ? 'page' : undefined}
              aria-label={room.unread > 0 ? `${name}, ${room.unread} unread` : name}
              onClick={() => {
                client.selectRoom(room.id);
                onNavigate();
              }}
            >
              {room.peer === null ? (
                <span className="room-list__hash" aria-hidden="true">
                  #
                </span>
              ) : (
                <Avatar username={room.peer.username} size="sm" online={online.some((u) => u.id === room.peer?.id)} />
              )}
              <span className="room-list__name">{name}</span>
              {room.unread > 0 && !active && (
                <span className="badge" data-testid="unread-badge" aria-hidden="true">
                  {room.unread > 99 ? '99+' : room.unread}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** A room's name, or the other person's username for a direct conversation. */
export function roomLabel(room: RoomSummary): string {
  return room.name ?? room.peer?.username ?? 'conversation';
}

function byName(a: RoomSummary, b: RoomSummary): number {
  return roomLabel(a).localeCompare(roomLabel(b));
}
