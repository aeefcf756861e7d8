/**
 * Writes a message: Enter sends, Shift+Enter starts a new line, Arrow Up in an
 * empty box edits your last message. Typing tells the room (rate-limited by the
 * connection). Messages typed while offline are queued and sent on reconnect.
 * The paperclip (or pasting, or dropping files on the box) attaches files: each
 * uploads at once with its progress shown, and the message goes once all are up.
 */
import type { RoomId, RoomKind } from '@switchboard/chat/api';
import { type FormEvent, type KeyboardEvent, memo, useCallback, useId, useLayoutEffect, useRef, useState } from 'react';
import { useUploads } from '../files/use-uploads.ts';
import { mentionQueryAt } from '../state/mentions.ts';
import { AttachmentUploads } from './attachment-uploads.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { useComposerFocus } from './composer-focus.ts';
import { MentionSuggestions, optionId, useMentionSuggestions } from './mention-suggestions.tsx';

const maxRows = 8;
/** `field-sizing: content` (styles.css) lets the browser grow the box. */
const sizesItself = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content');

interface ComposerProps {
  roomId: RoomId;
  /** The room's name, or the other person's for a direct conversation. */
  label: string;
  kind: RoomKind;
}

/** Memoised: messages arriving in the room do not render the composer again, so typing stays quick. */
export const Composer = memo(function Composer({ roomId, label, kind }: ComposerProps) {
  const client = useChatClient();
  const limit = useChat((state) => state.limits.messageMaxLength);
  // The room's unsent text, kept when the user switches rooms, reconnects or reloads.
  const [text, setText] = useState(() => client.drafts.get(roomId));
  const input = useRef<HTMLTextAreaElement | null>(null);
  const { register } = useComposerFocus();
  const attach = useCallback(
    (element: HTMLTextAreaElement | null) => {
      input.current = element;
      register(element);
    },
    [register],
  );
  const id = useId();
  // The `@name` being typed at the caret, and the suggestion the arrow keys are on.
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [activeSuggestion, setActiveSuggestion] = useState(0);
  // Where the caret goes once a picked mention is in the textarea.
  const caretAfterPick = useRef<number | null>(null);
  const suggestions = useMentionSuggestions(roomId, mention?.query ?? null);
  const suggesting = suggestions.length > 0;
  const uploads = useUploads(roomId);
  const picker = useRef<HTMLInputElement | null>(null);
  // The server counts code points after trimming (docs/protocol.md, "sendMessage").
  const length = [...text.trim()].length;
  const tooLong = length > limit;
  // Text, or files (all uploaded, none failed): a message of files only may have no text.
  const filesReady = uploads.uploads.length > 0 && uploads.ready.length === uploads.uploads.length;
  const sendable = !tooLong && !uploads.busy && (length > 0 || filesReady);

  // Grows with the text up to `maxRows` lines where CSS cannot (measuring forces a layout: only when the text changed).
  // biome-ignore lint/correctness/useExhaustiveDependencies: the text changes the element's scrollHeight
  useLayoutEffect(() => {
    const element = input.current;
    if (element === null || sizesItself) return;
    element.style.height = 'auto';
    const line = Number.parseFloat(getComputedStyle(element).lineHeight) || 20;
    element.style.height = `${Math.min(element.scrollHeight, line * maxRows + 16)}px`;
  }, [text]);

  // In the commit that shows the picked mention, before the browser handles the next key: a
  // caret placed a frame later would let a fast typist's first letter land behind it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the picked text is committed
  useLayoutEffect(() => {
    const caret = caretAfterPick.current;
    if (caret === null) return;
    caretAfterPick.current = null;
    input.current?.setSelectionRange(caret, caret);
  }, [text]);

  function submit(event?: FormEvent): void {
    event?.preventDefault();
    if (!sendable) return;
    client.send(text, uploads.ready);
    uploads.clear();
    setText('');
  }

  /** Follows the caret: suggestions show while it ends an `@name`. */
  function trackMention(element: HTMLTextAreaElement): void {
    const caret = element.selectionStart === element.selectionEnd ? element.selectionStart : -1;
    const next = caret < 0 ? null : mentionQueryAt(element.value, caret);
    if (next?.start !== mention?.start || next?.query !== mention?.query) {
      setMention(next);
      setActiveSuggestion(0);
    }
  }

  function pickMention(username: string): void {
    if (mention === null) return;
    const end = mention.start + 1 + mention.query.length;
    const next = `${text.slice(0, mention.start)}@${username} ${text.slice(end)}`;
    const caret = mention.start + username.length + 2;
    setText(next);
    client.drafts.set(roomId, next);
    setMention(null);
    caretAfterPick.current = caret;
  }

  /** Keys that drive the suggestions; true when the key was theirs. */
  function onSuggestionKey(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!suggesting || hasModifier(event)) return false;
    const count = suggestions.length;
    if (event.key === 'ArrowDown') setActiveSuggestion((activeSuggestion + 1) % count);
    else if (event.key === 'ArrowUp') setActiveSuggestion((activeSuggestion - 1 + count) % count);
    else if (event.key === 'Enter' || event.key === 'Tab') pickMention(suggestions[activeSuggestion]?.username ?? '');
    else if (event.key === 'Escape') setMention(null);
    else return false;
    // The list's keys: not the page's shortcuts, not a send.
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (!event.nativeEvent.isComposing && onSuggestionKey(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'ArrowUp' && !hasModifier(event) && text === '' && client.editLast()) {
      event.preventDefault();
    }
  }

  return (
    <form
      className="composer"
      onSubmit={submit}
      aria-label="Send a message"
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes('Files')) event.preventDefault();
      }}
      onDrop={(event) => {
        if (event.dataTransfer.files.length === 0) return;
        event.preventDefault();
        uploads.add([...event.dataTransfer.files]);
      }}
    >
      <AttachmentUploads uploads={uploads.uploads} onRemove={uploads.remove} />
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        accept={acceptedTypes}
        data-testid="file-input"
        onChange={(event) => {
          uploads.add([...(event.target.files ?? [])]);
          event.target.value = '';
        }}
      />
      <label htmlFor={`${id}-input`} className="visually-hidden">
        Message {label}
      </label>
      <textarea
        ref={attach}
        id={`${id}-input`}
        className="composer__input"
        data-testid="composer-input"
        rows={1}
        placeholder={`Message ${kind === 'room' ? '#' : ''}${label}`}
        aria-describedby={`${id}-hint`}
        aria-keyshortcuts="Enter Shift+Enter ArrowUp"
        aria-invalid={tooLong}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={suggesting}
        aria-controls={suggesting ? `${id}-mentions` : undefined}
        aria-activedescendant={suggesting ? optionId(`${id}-mentions`, activeSuggestion) : undefined}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          client.drafts.set(roomId, event.target.value);
          trackMention(event.target);
          if (event.target.value.trim() !== '') client.typing();
        }}
        onSelect={(event) => trackMention(event.currentTarget)}
        onBlur={() => setMention(null)}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          if (event.clipboardData.files.length === 0) return;
          event.preventDefault();
          uploads.add([...event.clipboardData.files]);
        }}
      />
      {suggesting && (
        <MentionSuggestions
          id={`${id}-mentions`}
          suggestions={suggestions}
          active={activeSuggestion}
          onPick={pickMention}
        />
      )}
      <span id={`${id}-hint`} className={`composer__hint${tooLong ? ' composer__hint--error' : ''}`}>
        {length > limit * 0.9 ? (
          `${length} / ${limit}`
        ) : (
          <span className="visually-hidden">Enter to send, Shift+Enter for a new line</span>
        )}
      </span>
      {/* After the text box in the tab order: Shift+Tab from it still reaches the messages. */}
      <button
        type="button"
        className="icon-button composer__attach"
        aria-label="Attach files"
        title="Attach files"
        data-testid="attach-button"
        onClick={() => picker.current?.click()}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            strokeLinecap="round"
          />
        </svg>
      </button>
      <button
        type="submit"
        className="button button--primary composer__send"
        data-testid="send-button"
        disabled={!sendable}
        aria-label="Send message"
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10.2 15 12 3.4 13.8z" fill="currentColor" />
        </svg>
      </button>
    </form>
  );
});

/** What the picker offers: the server's default allow-list (it checks every file anyway). */
const acceptedTypes = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,application/zip,.txt,.md,.csv';

function hasModifier(event: KeyboardEvent): boolean {
  return event.altKey || event.ctrlKey || event.metaKey || event.shiftKey;
}
