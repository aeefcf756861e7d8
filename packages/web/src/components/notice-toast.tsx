/** Shows the latest failed action for a few seconds. */
import { useEffect } from 'react';
import { useChat, useChatClient } from './chat-context.ts';

const visibleMs = 6000;

export function NoticeToast() {
  const client = useChatClient();
  const notice = useChat((state) => state.notice);
  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => client.dismissNotice(), visibleMs);
    return () => clearTimeout(timer);
  }, [client, notice]);
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {notice !== null && (
        <div className="toast" data-testid="notice">
          <span>{notice.text}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => client.dismissNotice()}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
