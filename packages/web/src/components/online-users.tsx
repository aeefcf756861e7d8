/** Everyone online (one entry per person, however many tabs); choosing someone opens a direct conversation. */
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';

interface OnlineUsersProps {
  labelledBy: string;
  onNavigate: () => void;
}

export function OnlineUsers({ labelledBy, onNavigate }: OnlineUsersProps) {
  const client = useChatClient();
  const online = useChat((state) => state.online);
  const me = useChat((state) => state.me);
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
    </ul>
  );
}
