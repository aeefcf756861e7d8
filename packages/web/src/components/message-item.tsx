/**
 * One message of the room's list. Its text is rendered as React nodes (never
 * as HTML), so whatever anyone sends shows as the characters they typed.
 * Memoised: a row renders again only when its message or its place in the list
 * changes, not when other messages arrive. What can be done to it, from its
 * buttons or from the keyboard with the row focused (see message-list.tsx), is
 * message-actions.tsx's (T opens its thread: a reply's, its root's).
 */
import type { Message } from '@switchboard/chat/api';
import { memo, useRef } from 'react';
import type { EditOrigin } from '../state/chat-state.ts';
import { Avatar } from './avatar.tsx';
import { MessageActions, useMessageActions } from './message-actions.tsx';
import { MessageContent } from './message-content.tsx';

interface MessageItemProps {
  message: Message;
  own: boolean;
  /** The viewer is the room's owner or an admin: may delete anyone's message (shown as removed by a moderator). */
  moderator: boolean;
  /** Continues the previous message's author: no header. */
  grouped: boolean;
  /** First message of its day: a date divider above it. */
  dayChanged: boolean;
  /** Being edited, and where the edit started; null when not. */
  editing: EditOrigin | null;
  /** Just jumped to from search. */
  flash: boolean;
  /** The first message that was unread when the room was opened: the "new messages" divider above it. */
  firstNew: boolean;
  /** A thread the user follows has replies they have not read. */
  threadUnread: boolean;
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export const MessageItem = memo(function MessageItem({
  message,
  own,
  moderator,
  grouped,
  dayChanged,
  editing,
  flash,
  firstNew,
  threadUnread,
}: MessageItemProps) {
  const row = useRef<HTMLLIElement>(null);
  const actions = useMessageActions({ message, own, moderator, place: 'room', editing, row });
  const deleted = message.deletedAt !== null;
  const created = new Date(message.createdAt);

  return (
    <>
      {dayChanged && (
        <li className="day-divider" aria-hidden="true">
          <span>{day.format(created)}</span>
        </li>
      )}
      {firstNew && (
        <li className="new-divider" data-testid="new-messages-divider">
          <span>New messages</span>
        </li>
      )}
      <li
        ref={row}
        className={`message${grouped ? ' message--grouped' : ''}${flash ? ' message--flash' : ''}${own ? ' message--own' : ''}`}
        data-testid="message"
        data-message-id={message.id}
        data-seq={message.seq}
        tabIndex={-1}
        aria-label={`${message.authorName} at ${time.format(created)}`}
        aria-keyshortcuts={actions.keyShortcuts}
        onKeyDown={actions.onKeyDown}
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
          <MessageContent message={message} editing={editing !== null} actions={actions} textTestId="message-text">
            {message.threadRootId !== null && (
              <p className="message__in-thread" data-testid="thread-reply-marker">
                Replied in a thread{' '}
                <button type="button" className="link-button" onClick={actions.openThread}>
                  View thread
                </button>
              </p>
            )}
          </MessageContent>
          {message.thread !== null && (
            <button
              type="button"
              className="thread-summary"
              data-testid="thread-summary"
              aria-label={`${replies(message.thread.replyCount)}${threadUnread ? ', unread' : ''}, the last at ${time.format(new Date(message.thread.lastReplyAt))}: open the thread`}
              onClick={actions.openThread}
            >
              {threadUnread && <span className="thread-summary__unread" data-testid="thread-unread" />}
              <span className="thread-summary__count">{replies(message.thread.replyCount)}</span>
              <span className="thread-summary__last">
                Last reply {time.format(new Date(message.thread.lastReplyAt))}
              </span>
            </button>
          )}
        </div>
        {!deleted && editing === null && <MessageActions message={message} own={own} place="room" actions={actions} />}
      </li>
    </>
  );
});

function replies(count: number): string {
  return `${count} ${count === 1 ? 'reply' : 'replies'}`;
}
