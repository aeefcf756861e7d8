/** A message not yet acknowledged as stored: sending (and retried after a reconnect), or refused with a reason. */
import type { PendingSend } from '../connection/outbox.ts';
import { Avatar } from './avatar.tsx';
import { useChatClient } from './chat-context.ts';
import { FormattedText } from './formatted-text.tsx';

export function PendingItem({ pending, username }: { pending: PendingSend; username: string }) {
  const client = useChatClient();
  const failed = pending.status === 'failed';
  return (
    <li className={`message message--pending${failed ? ' message--failed' : ''}`} data-testid="pending-message">
      <div className="message__gutter">
        <Avatar username={username} />
      </div>
      <div className="message__body">
        <div className="message__meta">
          <span className="message__author">{username}</span>
          <span className="muted">{failed ? 'Not sent' : 'Sending…'}</span>
        </div>
        <div className="message__text message__text--formatted">
          <FormattedText text={pending.text} />
          {pending.attachments.length > 0 && (
            <span className="muted"> 📎 {pending.attachments.map(({ name }) => name).join(', ')}</span>
          )}
        </div>
        {failed && (
          <p className="message__error" role="alert">
            {pending.error?.message}{' '}
            <button type="button" className="link-button" onClick={() => client.retrySend(pending.clientMessageId)}>
              Retry
            </button>{' '}
            <button type="button" className="link-button" onClick={() => client.discardSend(pending.clientMessageId)}>
              Discard
            </button>
          </p>
        )}
      </div>
    </li>
  );
}
