/** The active room: header, messages, who is typing, and the composer. */
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
          <Composer key={`composer-${room.id}`} room={room} />
        </>
      )}
    </main>
  );
}
