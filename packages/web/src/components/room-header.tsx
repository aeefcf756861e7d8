/** The active room's name, members online, and the search and leave buttons. */
import type { RoomSummary } from '@switchboard/chat/api';
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { roomLabel } from './room-list.tsx';

interface RoomHeaderProps {
  room: RoomSummary | null;
  onOpenMenu: () => void;
  onToggleSearch: () => void;
  searchOpen: boolean;
}

export function RoomHeader({ room, onOpenMenu, onToggleSearch, searchOpen }: RoomHeaderProps) {
  const client = useChatClient();
  const members = useChat((state) => (room === null ? undefined : state.members[room.id]));
  const onlineCount = members?.filter((member) => member.online).length ?? 0;
  return (
    <header className="room-header">
      <button type="button" className="icon-button room-header__menu" aria-label="Open menu" onClick={onOpenMenu}>
        ☰
      </button>
      {room !== null && (
        <div className="room-header__title">
          {room.peer === null ? (
            <span className="room-header__hash" aria-hidden="true">
              #
            </span>
          ) : (
            <Avatar username={room.peer.username} size="sm" />
          )}
          <h1 data-testid="room-title">{roomLabel(room)}</h1>
          {members !== undefined && room.kind === 'room' && (
            <span className="muted room-header__meta" data-testid="room-members">
              {members.length} {members.length === 1 ? 'member' : 'members'} · {onlineCount} online
            </span>
          )}
        </div>
      )}
      <div className="room-header__actions">
        <button
          type="button"
          className="button button--small button--ghost"
          aria-pressed={searchOpen}
          aria-keyshortcuts="Control+K"
          data-testid="search-button"
          onClick={onToggleSearch}
        >
          Search
        </button>
        {room?.kind === 'room' && (
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid="leave-room"
            onClick={() => client.leaveRoom(room.id).catch((error: Error) => client.notify(error.message))}
          >
            Leave
          </button>
        )}
      </div>
    </header>
  );
}
