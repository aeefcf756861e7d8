/** "ada is typing…" under the messages; entries expire after the frame's `ttlMs` (state/typing.ts). */
import type { RoomId } from '@switchboard/chat/api';
import { typingLabel } from '../state/typing.ts';
import { useChat } from './chat-context.ts';

export function TypingIndicator({ roomId }: { roomId: RoomId }) {
  const typists = useChat((state) => state.typing[roomId]);
  const label = typingLabel(typists ?? []);
  return (
    <div className="typing" data-testid="typing-indicator" aria-live="polite">
      {label !== '' && (
        <>
          <span className="typing__dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {label}
        </>
      )}
    </div>
  );
}
