/**
 * The open thread, beside the room (over it on a narrow screen): the root, its
 * replies live in their own order, older ones on demand, and a composer with
 * "Also send to room". Each message there can be reacted to, pinned, edited or
 * deleted as in the room (message-actions.tsx, the same keys on a focused
 * message). Texts are formatted as in the room, with the reader's mentions
 * marked (formatted-text.tsx), never inserted as HTML.
 *
 * From the keyboard: it takes focus in its composer when it opens (Enter sends,
 * Shift+Enter starts a new line, `@` suggests the room's members as in the
 * room's composer, Arrow Up in the empty box goes to the newest message); in
 * the list, Arrow Up and Down move between its messages, Home and End to its
 * ends. Escape anywhere in it closes it (first whatever is open in it: the
 * suggestions, an editor, a reaction picker, a confirmation) and focus goes
 * back to where the thread was opened from.
 */
import type { Message } from '@switchboard/chat/api';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { Avatar } from './avatar.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { MentionSuggestions } from './mention-suggestions.tsx';
import { useMentionTyping } from './mention-typing.ts';
import { MessageActions, useMessageActions } from './message-actions.tsx';
import { MessageContent } from './message-content.tsx';
import { hasModifier } from './modifier-keys.ts';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function ThreadPanel() {
  const client = useChatClient();
  const panel = useChat((state) => state.thread);
  const limit = useChat((state) => state.limits.messageMaxLength);
  const [text, setText] = useState('');
  const [alsoToRoom, setAlsoToRoom] = useState(false);
  const [sending, setSending] = useState(false);
  /** Kept until the reply is stored: sending again after a failure reuses it, so nothing is stored twice. */
  const clientMessageId = useRef<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  /** Where focus was when the thread opened: it goes back there on close. */
  const opener = useRef<HTMLElement | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const id = useId();
  const rootId = panel?.rootId ?? null;
  const replyCount = panel?.replies.length ?? 0;
  const mentions = useMentionTyping(panel?.roomId ?? '', input, text, setText);

  // A new thread: a fresh composer, and focus in it.
  useEffect(() => {
    if (rootId === null) return;
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setText('');
    setAlsoToRoom(false);
    clientMessageId.current = null;
    input.current?.focus();
  }, [rootId]);

  // New replies scroll into view when the list was at its end.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the reply count changes the list's height
  useEffect(() => {
    const element = list.current;
    if (element === null) return;
    element.scrollTop = element.scrollHeight;
  }, [replyCount]);

  if (panel === null) return null;
  const length = [...text.trim()].length;
  const tooLong = length > limit;

  function close(): void {
    const back = opener.current;
    client.closeThread();
    requestAnimationFrame(() => {
      if (back?.isConnected) back.focus();
    });
  }

  function submit(event?: FormEvent): void {
    event?.preventDefault();
    if (length === 0 || tooLong || sending) return;
    clientMessageId.current ??= crypto.randomUUID();
    setSending(true);
    client.reply(text, alsoToRoom, clientMessageId.current).then(
      () => {
        clientMessageId.current = null;
        setText('');
        setSending(false);
        input.current?.focus();
      },
      (error: Error) => {
        setSending(false);
        client.notify(error.message);
      },
    );
  }

  function onKeyDown(event: KeyboardEvent<HTMLElement>): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }

  function onInputKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (mentions.onKey(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'ArrowUp' && !hasModifier(event) && text === '') {
      // As from the room's composer to its messages: up into the thread, at its newest message.
      event.preventDefault();
      rows().at(-1)?.focus();
    }
  }

  /** The thread's message rows, in order. */
  function rows(): HTMLElement[] {
    return [...(list.current?.querySelectorAll<HTMLElement>('[data-message-id]') ?? [])];
  }

  /** Arrow Up and Down move between the thread's messages (Down past the newest: the composer), Home and End to its ends. */
  function onListKeyDown(event: KeyboardEvent<HTMLOListElement>): void {
    if (hasModifier(event)) return;
    const all = rows();
    const target = event.target as HTMLElement;
    const index = all.indexOf(target);
    if (index < 0 && target !== event.currentTarget) return;
    if (event.key === 'ArrowUp') all[index < 0 ? all.length - 1 : Math.max(0, index - 1)]?.focus();
    else if (event.key === 'ArrowDown')
      (index >= 0 && index + 1 < all.length ? all[index + 1] : input.current)?.focus();
    else if (event.key === 'Home') all[0]?.focus();
    else if (event.key === 'End') all.at(-1)?.focus();
    else return;
    event.preventDefault();
  }

  const { root, replies } = panel;
  return (
    <aside className="thread-panel" aria-labelledby={`${id}-title`} data-testid="thread-panel" onKeyDown={onKeyDown}>
      <div className="thread-panel__header">
        <h2 id={`${id}-title`}>Thread</h2>
        <button type="button" className="icon-button" aria-label="Close thread" onClick={close}>
          ×
        </button>
      </div>
      <ol
        className="thread-panel__messages"
        ref={list}
        aria-label="Replies"
        data-testid="thread-replies"
        // Focusable, as the room's message list is: its arrow keys reach the messages.
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a list whose items are reached with the arrow keys
        tabIndex={0}
        aria-keyshortcuts="ArrowUp ArrowDown Home End"
        onKeyDown={onListKeyDown}
      >
        {root !== null && <ThreadMessage message={root} root />}
        <li className="thread-panel__divider" aria-live="polite" data-testid="thread-reply-count">
          {root?.thread == null
            ? 'No replies yet'
            : `${root.thread.replyCount} ${root.thread.replyCount === 1 ? 'reply' : 'replies'}`}
        </li>
        {panel.hasMore && !panel.loading && (
          <li className="thread-panel__more">
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => client.loadOlderReplies().catch(() => {})}
            >
              Load older replies
            </button>
          </li>
        )}
        {panel.loading && <li className="muted thread-panel__more">Loading…</li>}
        {panel.failed && !panel.loading && (
          <li className="muted thread-panel__more">
            The thread could not be loaded.{' '}
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => client.loadOlderReplies().catch(() => {})}
            >
              Try again
            </button>
          </li>
        )}
        {replies.map((reply) => (
          <ThreadMessage key={reply.id} message={reply} />
        ))}
      </ol>
      <form className="composer thread-panel__composer" onSubmit={submit} aria-label="Reply in thread">
        <label htmlFor={`${id}-input`} className="visually-hidden">
          Reply in thread
        </label>
        <textarea
          ref={input}
          id={`${id}-input`}
          className="composer__input"
          data-testid="thread-input"
          rows={1}
          placeholder="Reply…"
          aria-keyshortcuts="Enter Shift+Enter Escape"
          aria-invalid={tooLong}
          {...mentions.comboboxProps(`${id}-mentions`)}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            mentions.track(event.target);
          }}
          onSelect={(event) => mentions.track(event.currentTarget)}
          onBlur={mentions.close}
          onKeyDown={onInputKeyDown}
        />
        <MentionSuggestions id={`${id}-mentions`} typing={mentions} />
        <button
          type="submit"
          className="button button--primary composer__send"
          data-testid="thread-send"
          disabled={length === 0 || tooLong || sending}
          aria-label="Send reply"
        >
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
            <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z" fill="currentColor" />
          </svg>
        </button>
        <label className="thread-panel__also">
          <input
            type="checkbox"
            data-testid="thread-also-to-room"
            checked={alsoToRoom}
            onChange={(event) => setAlsoToRoom(event.target.checked)}
          />{' '}
          Also send to room
        </label>
      </form>
    </aside>
  );
}

/** A message in the thread (its root, or a reply), with what can be done to it there (message-actions.tsx). */
function ThreadMessage({ message, root = false }: { message: Message; root?: boolean }) {
  const created = new Date(message.createdAt);
  const me = useChat((state) => state.me?.id);
  const role = useChat((state) => state.rooms.find((room) => room.id === message.roomId)?.role);
  const moderator = role !== undefined && role !== 'member';
  const editing = useChat((state) =>
    state.editing?.messageId === message.id && state.editing.from === 'thread' ? state.editing.from : null,
  );
  const row = useRef<HTMLLIElement>(null);
  const own = message.authorId === me;
  const actions = useMessageActions({ message, own, moderator, place: 'thread', editing, row });
  const deleted = message.deletedAt !== null;
  return (
    <li
      ref={row}
      className={`thread-message${root ? ' thread-message--root' : ''}`}
      data-testid={root ? 'thread-root' : 'thread-reply'}
      data-message-id={message.id}
      tabIndex={-1}
      aria-label={`${message.authorName} at ${time.format(created)}`}
      aria-keyshortcuts={actions.keyShortcuts}
      onKeyDown={actions.onKeyDown}
    >
      <Avatar username={message.authorName} size="sm" />
      <div className="thread-message__body">
        <div className="message__meta">
          <span className="message__author">{message.authorName}</span>
          <time dateTime={created.toISOString()} title={full.format(created)}>
            {time.format(created)}
          </time>
          {message.alsoToRoom && <span className="thread-message__also">also sent to the room</span>}
        </div>
        <MessageContent
          message={message}
          editing={editing !== null}
          actions={actions}
          textTestId="thread-message-text"
        />
      </div>
      {!deleted && editing === null && <MessageActions message={message} own={own} place="thread" actions={actions} />}
    </li>
  );
}
