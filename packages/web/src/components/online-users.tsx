/**
 * Everyone online (one entry per person, however many tabs); choosing someone
 * opens a direct conversation. The server lists them in pages: the client reads
 * the first ones after connecting, the rest as the list is scrolled.
 */
import { useState } from 'react';
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { LoadMore } from './load-more.tsx';

interface OnlineUsersProps {
  labelledBy: string;
  onNavigate: () => void;
}

export function OnlineUsers({ labelledBy, onNavigate }: OnlineUsersProps) {
  const client = useChatClient();
  const online = useChat((state) => state.online);
  const me = useChat((state) => state.me);
  const cursor = useChat((state) => state.onlineCursor);
  const [loading, setLoading] = useState(false);
  const sorted = [...online].sort((a, b) => a.username.localeCompare(b.username));
  return (
    <ul className="room-list" aria-labelledby={labelledBy} data-testid="online-users">
      {sorted.map((user) => {
        const isMe = user.id === me?.id;
        return (
          <li key={user.id}>
            <button
              type="button"
              className="room-list__item"
              data-testid="online-user"
              data-username={user.username}
              disabled={isMe}
              aria-label={isMe ? `${user.username} (you)` : `Message ${user.username}`}
              onClick={() => {
                client.openDirect(user.id).then(onNavigate, (error: Error) => client.notify(error.message));
              }}
            >
              <Avatar username={user.username} size="sm" online />
              <span className="room-list__name">
                {user.username}
                {isMe && <span className="muted"> (you)</span>}
              </span>
            </button>
          </li>
        );
      })}
      {cursor !== null && (
        <li>
          <LoadMore
            cursor={cursor}
            loading={loading}
            label="More people online"
            testId="online-more"
            onLoad={() => {
              setLoading(true);
              client
                .loadMoreOnline()
                .catch((error: Error) => client.notify(error.message))
                .finally(() => setLoading(false));
            }}
          />
        </li>
      )}
    </ul>
  );
}
