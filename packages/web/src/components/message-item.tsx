/**
 * One message. Its text is rendered as a React text node (never as HTML), so
 * whatever anyone sends shows as the characters they typed. Memoised: a row
 * renders again only when its message or its place in the list changes, not
 * when other messages arrive.
 *
 * From the keyboard (the row focused, see message-list.tsx): Enter or E edits
 * your message, Delete or Backspace asks to delete it (or, for the room's owner
 * and admins, anyone's: it then shows as removed by a moderator; the confirmation takes
 * focus; Escape keeps the message), R opens the reaction picker, P pins or
 * unpins any message and T opens its thread (a reply's: its root's). Focus comes back to the row (or to the
 * composer, for an edit started there) when the editor or the confirmation closes.
 */
import type { Message } from '@switchboard/chat/api';
import { type KeyboardEvent, memo, useEffect, useMemo, useRef, useState } from 'react';
import type { EditOrigin } from '../state/chat-client.ts';
import { mentionRunsIn } from '../state/mentions.ts';
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { useComposerFocus } from './composer-focus.ts';
import { FormattedText } from './formatted-text.tsx';
import { MessageAttachments } from './message-attachments.tsx';
import { MessageEditor } from './message-editor.tsx';
import { MessageReactions } from './message-reactions.tsx';

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
  const client = useChatClient();
  const composer = useComposerFocus();
  const [confirming, setConfirming] = useState(false);
  const [picking, setPicking] = useState(false);
  const row = useRef<HTMLLIElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const deleted = message.deletedAt !== null;
  const created = new Date(message.createdAt);
  const editable = own && !deleted;
  /** The thread this message opens: its own, or its root's for a reply. */
  const threadId = message.threadRootId ?? message.id;
  const me = useChat((state) => state.me?.id);
  const highlight = useMemo(() => (text: string) => mentionRunsIn(text, message, me), [message, me]);
  const removable = (own || moderator) && !deleted;

  /** Puts focus back on the row when it was inside it (the editor, a button that goes away). */
  function refocus(to: EditOrigin = 'message'): void {
    if (!row.current?.contains(document.activeElement)) return;
    if (to === 'composer') composer.focus();
    else row.current.focus();
  }

  function remove(): void {
    refocus();
    setConfirming(false);
    client.remove(message.id).catch((error: Error) => client.notify(error.message));
  }

  function keep(): void {
    refocus();
    setConfirming(false);
  }

  function togglePin(): void {
    client.pin(message.id, message.pinnedAt === null).catch((error: Error) => client.notify(error.message));
  }

  function closePicker(): void {
    refocus();
    setPicking(false);
  }

  function finishEditing(): void {
    refocus(editing ?? 'message');
    client.setEditing(null);
  }

  // The user just asked to delete: the choice is the next step.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (confirming && event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      keep();
      return;
    }
    if (event.target !== event.currentTarget || deleted || editing !== null) return;
    if (event.key.toLowerCase() === 'r') {
      event.preventDefault();
      setPicking(true);
      return;
    }
    if (event.key.toLowerCase() === 'p') {
      event.preventDefault();
      togglePin();
      return;
    }
    if (event.key.toLowerCase() === 't') {
      event.preventDefault();
      client.openThread(threadId);
      return;
    }
    if (editable && (event.key === 'Enter' || event.key.toLowerCase() === 'e')) {
      event.preventDefault();
      client.setEditing(message.id, 'message');
    } else if (removable && (event.key === 'Delete' || event.key === 'Backspace')) {
      event.preventDefault();
      setConfirming(true);
    }
  }

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
        aria-keyshortcuts={
          editable ? 'Enter E Delete R P T' : deleted ? undefined : removable ? 'Delete R P T' : 'R P T'
        }
        onKeyDown={onKeyDown}
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
          {editing !== null ? (
            <MessageEditor message={message} onDone={finishEditing} />
          ) : deleted ? (
            <p className="message__text message__text--deleted" data-testid="message-text">
              {message.removedByModerator ? 'This message was removed by a moderator.' : 'This message was deleted.'}
            </p>
          ) : (
            (message.text !== '' || message.editedAt !== null) && (
              <div className="message__text message__text--formatted" data-testid="message-text">
                <FormattedText text={message.text} highlight={highlight} />
                {message.editedAt !== null && (
                  <span className="message__edited" title={full.format(new Date(message.editedAt))}>
                    {' '}
                    (edited)
                  </span>
                )}
              </div>
            )
          )}
          {!deleted && <MessageAttachments message={message} />}
          {message.pinnedBy !== null && (
            <p className="message__pinned" data-testid="pinned-by">
              📌 Pinned by {message.pinnedBy.username}
            </p>
          )}
          {message.threadRootId !== null && (
            <p className="message__in-thread" data-testid="thread-reply-marker">
              Replied in a thread{' '}
              <button type="button" className="link-button" onClick={() => client.openThread(threadId)}>
                View thread
              </button>
            </p>
          )}
          {!deleted && <MessageReactions message={message} picking={picking} onPicked={closePicker} />}
          {message.thread !== null && (
            <button
              type="button"
              className="thread-summary"
              data-testid="thread-summary"
              aria-label={`${replies(message.thread.replyCount)}${threadUnread ? ', unread' : ''}, the last at ${time.format(new Date(message.thread.lastReplyAt))}: open the thread`}
              onClick={() => client.openThread(message.id)}
            >
              {threadUnread && <span className="thread-summary__unread" data-testid="thread-unread" />}
              <span className="thread-summary__count">{replies(message.thread.replyCount)}</span>
              <span className="thread-summary__last">
                Last reply {time.format(new Date(message.thread.lastReplyAt))}
              </span>
            </button>
          )}
        </div>
        {!deleted && editing === null && (
          <div className="message__actions">
            {confirming ? (
              <>
                <button
                  type="button"
                  className="button button--small button--danger"
                  data-testid="confirm-delete"
                  ref={confirmButton}
                  onClick={remove}
                >
                  Delete
                </button>
                <button type="button" className="button button--small button--ghost" onClick={keep}>
                  Keep
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  data-testid="add-reaction"
                  aria-label="Add a reaction"
                  aria-expanded={picking}
                  onClick={() => setPicking(!picking)}
                >
                  React
                </button>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  data-testid="reply-in-thread"
                  aria-label="Reply in thread"
                  onClick={() => client.openThread(threadId)}
                >
                  Reply
                </button>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  data-testid="pin-message"
                  aria-pressed={message.pinnedAt !== null}
                  onClick={togglePin}
                >
                  {message.pinnedAt === null ? 'Pin' : 'Unpin'}
                </button>
                {editable && (
                  <button
                    type="button"
                    className="button button--small button--ghost"
                    data-testid="edit-message"
                    aria-label="Edit message"
                    onClick={() => client.setEditing(message.id, 'message')}
                  >
                    Edit
                  </button>
                )}
                {removable && (
                  <button
                    type="button"
                    className="button button--small button--ghost"
                    data-testid="delete-message"
                    aria-label={own ? 'Delete message' : `Remove ${message.authorName}’s message as a moderator`}
                    onClick={() => setConfirming(true)}
                  >
                    {own ? 'Delete' : 'Remove'}
                  </button>
                )}
              </>
            )}
          </div>
        )}
      </li>
    </>
  );
});

function replies(count: number): string {
  return `${count} ${count === 1 ? 'reply' : 'replies'}`;
}
