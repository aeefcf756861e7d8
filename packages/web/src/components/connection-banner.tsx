/** Above the messages whenever the chat is not online, so the state stays visible when the sidebar is a closed drawer. */
import { useChat } from './chat-context.ts';

export function ConnectionBanner() {
  const state = useChat((chat) => chat.connection);
  const queued = useChat((chat) => chat.pending.filter((send) => send.status === 'sending').length);
  if (state === 'online') return null;
  return (
    <div className="connection-banner" data-testid="connection-banner" data-state={state}>
      {state === 'offline' ? 'Offline.' : state === 'connecting' ? 'Connecting…' : 'Connection lost. Reconnecting…'}
      {queued > 0 && ` ${queued} ${queued === 1 ? 'message' : 'messages'} will be sent when you are back online.`}
    </div>
  );
}
