/**
 * The active room: header, messages, who is typing, and the composer (in a
 * read-only room, for members who may not post, a line saying so instead).
 */

import { roomLabel } from '../state/conversation-order.ts';
import { useChat } from './chat-context.ts';
import { Composer } from './composer.tsx';
import { ConnectionBanner } from './connection-banner.tsx';
import { MessageList } from './message-list.tsx';
import { RoomHeader } from './room-header.tsx';
import { TypingIndicator } from './typing-indicator.tsx';

interface ConversationProps {
  onOpenMenu: () => void;
  onToggleSearch: () => void;
  searchOpen: boolean;
}

export function Conversation({ onOpenMenu, onToggleSearch, searchOpen }: ConversationProps) {
  const room = useChat((state) => state.rooms.find((candidate) => candidate.id === state.activeRoomId));
  return (
    <main className="conversation">
      <RoomHeader room={room ?? null} onOpenMenu={onOpenMenu} onToggleSearch={onToggleSearch} searchOpen={searchOpen} />
      <ConnectionBanner />
      {room === undefined ? (
        <div className="empty-state">
          <p>Pick a room or a person to start talking.</p>
        </div>
      ) : (
        <>
          <MessageList key={room.id} room={room} />
          <TypingIndicator roomId={room.id} />
          {room.readOnly && room.role === 'member' ? (
            <p className="read-only-notice" data-testid="read-only-notice" role="status">
              This room is read-only: only its owner and admins can post.
            </p>
          ) : (
            <Composer key={`composer-${room.id}`} roomId={room.id} label={roomLabel(room)} kind={room.kind} />
          )}
        </>
      )}
    </main>
  );
}
