/** The connection's state, always visible, with a way to skip the reconnect wait. */
import { useEffect, useState } from 'react';
import type { ConnectionState } from '../connection/chat-connection.ts';
import { useChat, useChatClient } from './chat-context.ts';

const labels: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnectionStatus() {
  const state = useChat((chat) => chat.connection);
  const retryAt = useChat((chat) => chat.retryAt);
  const seconds = useCountdown(retryAt);
  const client = useChatClient();
  return (
    <div className="connection" data-testid="connection-status" data-state={state} role="status" aria-live="polite">
      <span className="connection__dot" aria-hidden="true" />
      <span>
        {labels[state]}
        {state === 'reconnecting' && seconds > 0 && ` in ${seconds} s`}
      </span>
      {state === 'reconnecting' && retryAt !== null && (
        <button type="button" className="link-button" onClick={() => client.retryNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}

function useCountdown(until: number | null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}
