/**
 * Writes a message: Enter sends, Shift+Enter starts a new line, Arrow Up in an
 * empty box edits your last message. Typing tells the room (rate-limited by the
 * connection). Messages typed while offline are queued and sent on reconnect.
 */
import type { RoomSummary } from '@switchboard/chat/api';
import { type FormEvent, type KeyboardEvent, useId, useLayoutEffect, useRef, useState } from 'react';
import { useChat, useChatClient } from './chat-context.ts';
import { roomLabel } from './room-list.tsx';

const maxRows = 8;

export function Composer({ room }: { room: RoomSummary }) {
  const client = useChatClient();
  const limit = useChat((state) => state.limits.messageMaxLength);
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  // The server counts code points after trimming (docs/protocol.md, "sendMessage").
  const length = [...text.trim()].length;
  const tooLong = length > limit;

  useLayoutEffect(() => {
    const element = input.current;
    if (element === null) return;
    element.style.height = 'auto';
    const line = Number.parseFloat(getComputedStyle(element).lineHeight) || 20;
    element.style.height = `${Math.min(element.scrollHeight, line * maxRows + 16)}px`;
  });

  function submit(event?: FormEvent): void {
    event?.preventDefault();
    if (length === 0 || tooLong) return;
    client.send(text);
    setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'ArrowUp' && text === '' && client.editLast()) {
      event.preventDefault();
    }
  }

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a message">
      <label htmlFor={`${id}-input`} className="visually-hidden">
        Message {roomLabel(room)}
      </label>
      <textarea
        ref={input}
        id={`${id}-input`}
        className="composer__input"
        data-testid="composer-input"
        rows={1}
        placeholder={`Message ${room.kind === 'room' ? '#' : ''}${roomLabel(room)}`}
        aria-describedby={`${id}-hint`}
        aria-invalid={tooLong}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          if (event.target.value.trim() !== '') client.typing();
        }}
        onKeyDown={onKeyDown}
      />
      <span id={`${id}-hint`} className={`composer__hint${tooLong ? ' composer__hint--error' : ''}`}>
        {length > limit * 0.9 ? (
          `${length} / ${limit}`
        ) : (
          <span className="visually-hidden">Enter to send, Shift+Enter for a new line</span>
        )}
      </span>
      <button
        type="submit"
        className="button button--primary composer__send"
        data-testid="send-button"
        disabled={length === 0 || tooLong}
        aria-label="Send message"
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
}
