/** The user's rooms or direct conversations, each with its server-kept unread count. */
import type { RoomKind } from '@switchboard/chat/api';
import { byName, roomLabel } from '../state/conversation-order.ts';
import { useChat, useChatClient } from './chat-context.ts';
import { ConversationIcon } from './conversation-icon.tsx';

interface RoomListProps {
  kind: RoomKind;
  labelledBy: string;
  onNavigate: () => void;
}

export function RoomList({ kind, labelledBy, onNavigate }: RoomListProps) {
  const client = useChatClient();
  const rooms = useChat((state) => state.rooms);
  const activeRoomId = useChat((state) => state.activeRoomId);
  const keptUnread = useChat((state) => state.keptUnread);
  const online = useChat((state) => state.online);
  const shown = rooms.filter((room) => room.kind === kind).sort(byName);
  if (shown.length === 0) {
    return (
      <p className="sidebar__empty">
        {kind === 'room' ? 'No rooms yet.' : 'Pick someone online, or + to find anyone.'}
      </p>
    );
  }
  return (
    <ul className="room-list" aria-labelledby={labelledBy} data-testid={kind === 'room' ? 'room-list' : 'dm-list'}>
      {shown.map((room) => {
        const name = roomLabel(room);
        const active = room.id === activeRoomId;
        const { muted } = room.notifications;
        const description = [
          name,
          room.kind === 'room' && room.visibility === 'private' && 'private',
          room.unread > 0 && `${room.unread} unread`,
          room.mentions > 0 && `${room.mentions} ${room.mentions === 1 ? 'mention' : 'mentions'}`,
          muted && 'muted',
        ].filter(Boolean);
        return (
          <li key={room.id}>
            <button
              type="button"
              className={muted ? 'room-list__item room-list__item--muted' : 'room-list__item'}
              data-testid="room-item"
              data-room-name={name}
              aria-current={active ? 'page' : undefined}
              data-visibility={room.kind === 'room' ? room.visibility : undefined}
              aria-label={description.join(', ')}
              onClick={() => {
                client.selectRoom(room.id);
                onNavigate();
              }}
            >
              <ConversationIcon
                room={room}
                hashClass="room-list__hash"
                online={online.some((u) => u.id === room.peer?.id)}
              />
              <span className="room-list__name">{name}</span>
              {room.mentions > 0 && !active && (
                <span className="badge badge--mention" data-testid="mention-badge" aria-hidden="true">
                  @{room.mentions > 99 ? '99+' : room.mentions}
                </span>
              )}
              {room.unread > 0 && (!active || keptUnread === room.id) && (
                <span className={muted ? 'badge badge--quiet' : 'badge'} data-testid="unread-badge" aria-hidden="true">
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
