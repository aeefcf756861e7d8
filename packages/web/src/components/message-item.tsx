/**
 * One message. Its text is rendered as a React text node (never as HTML), so
 * whatever anyone sends shows as the characters they typed.
 */
import type { Message } from '@switchboard/chat/api';
import { useState } from 'react';
import { Avatar } from './avatar.tsx';
import { useChatClient } from './chat-context.ts';
import { MessageEditor } from './message-editor.tsx';

interface MessageItemProps {
  message: Message;
  own: boolean;
  /** Continues the previous message's author: no header. */
  grouped: boolean;
  /** First message of its day: a date divider above it. */
  dayChanged: boolean;
  editing: boolean;
  /** Just jumped to from search. */
  flash: boolean;
  onEdit: (editing: boolean) => void;
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function MessageItem({ message, own, grouped, dayChanged, editing, flash, onEdit }: MessageItemProps) {
  const client = useChatClient();
  const [confirming, setConfirming] = useState(false);
  const deleted = message.deletedAt !== null;
  const created = new Date(message.createdAt);

  function remove(): void {
    setConfirming(false);
    client.remove(message.id).catch((error: Error) => client.notify(error.message));
  }

  return (
    <>
      {dayChanged && (
        <li className="day-divider" aria-hidden="true">
          <span>{day.format(created)}</span>
        </li>
      )}
      <li
        className={`message${grouped ? ' message--grouped' : ''}${flash ? ' message--flash' : ''}${own ? ' message--own' : ''}`}
        data-testid="message"
        data-message-id={message.id}
        data-seq={message.seq}
        tabIndex={-1}
        aria-label={`${message.authorName} at ${time.format(created)}`}
      >
        <div className="message__gutter">
          {grouped ? (
            <time className="message__hover-time" dateTime={created.toISOString()} title={full.format(created)}>
              {time.format(created)}
            </time>
          ) : (
            <Avatar username={message.authorName} />
          )}
        </div>
        <div className="message__body">
          {!grouped && (
            <div className="message__meta">
              <span className="message__author" data-testid="message-author">
                {message.authorName}
              </span>
              <time dateTime={created.toISOString()} title={full.format(created)}>
                {time.format(created)}
              </time>
            </div>
          )}
          {editing ? (
            <MessageEditor message={message} onDone={() => onEdit(false)} />
          ) : deleted ? (
            <p className="message__text message__text--deleted" data-testid="message-text">
              This message was deleted.
            </p>
          ) : (
            <p className="message__text" data-testid="message-text">
              {message.text}
              {message.editedAt !== null && (
                <span className="message__edited" title={full.format(new Date(message.editedAt))}>
                  {' '}
                  (edited)
                </span>
              )}
            </p>
          )}
        </div>
        {own && !deleted && !editing && (
          <div className="message__actions">
            {confirming ? (
              <>
                <button type="button" className="button button--small button--danger" onClick={remove}>
                  Delete
                </button>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  onClick={() => setConfirming(false)}
                >
                  Keep
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  data-testid="edit-message"
                  aria-label="Edit message"
                  onClick={() => onEdit(true)}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  data-testid="delete-message"
                  aria-label="Delete message"
                  onClick={() => setConfirming(true)}
                >
                  Delete
                </button>
              </>
            )}
          </div>
        )}
      </li>
    </>
  );
}
