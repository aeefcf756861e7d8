/**
 * Writes a message: Enter sends, Shift+Enter starts a new line, Arrow Up in an
 * empty box edits your last message. Typing tells the room (rate-limited by the
 * connection). Messages typed while offline are queued and sent on reconnect.
 * The paperclip (or pasting, or dropping files on the box) attaches files: each
 * uploads at once with its progress shown, and the message goes once all are up;
 * a server that takes no files shows no paperclip.
 */
import type { RoomId, RoomKind } from '@switchboard/chat/api';
import { type FormEvent, type KeyboardEvent, memo, useCallback, useId, useLayoutEffect, useRef, useState } from 'react';
import { useUploads } from '../files/use-uploads.ts';
import { AttachmentUploads } from './attachment-uploads.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { useComposerFocus } from './composer-focus.ts';
import { IconButton } from './icon-button.tsx';
import { MentionSuggestions } from './mention-suggestions.tsx';
import { useMentionTyping } from './mention-typing.ts';
import { hasModifier } from './modifier-keys.ts';

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
  const keep = (next: string) => {
    setText(next);
    client.drafts.set(roomId, next);
  };
  const mentions = useMentionTyping(roomId, input, text, keep);
  const fileLimits = useChat((state) => state.limits.files);
  const uploads = useUploads(roomId, fileLimits);
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

  function submit(event?: FormEvent): void {
    event?.preventDefault();
    if (!sendable) return;
    client.send(text, uploads.ready);
    uploads.clear();
    setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (mentions.onKey(event)) return;
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
      {fileLimits !== null && (
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          accept={accepted(fileLimits.allowedTypes)}
          data-testid="file-input"
          onChange={(event) => {
            uploads.add([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
      )}
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
        {...mentions.comboboxProps(`${id}-mentions`)}
        value={text}
        onChange={(event) => {
          keep(event.target.value);
          mentions.track(event.target);
          if (event.target.value.trim() !== '') client.typing();
        }}
        onSelect={(event) => mentions.track(event.currentTarget)}
        onBlur={mentions.close}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          if (event.clipboardData.files.length === 0) return;
          event.preventDefault();
          uploads.add([...event.clipboardData.files]);
        }}
      />
      <MentionSuggestions id={`${id}-mentions`} typing={mentions} />
      <span id={`${id}-hint`} className={`composer__hint${tooLong ? ' composer__hint--error' : ''}`}>
        {length > limit * 0.9 ? (
          `${length} / ${limit}`
        ) : (
          <span className="visually-hidden">Enter to send, Shift+Enter for a new line</span>
        )}
      </span>
      {/* After the text box in the tab order: Shift+Tab from it still reaches the messages. */}
      {fileLimits !== null && (
        <IconButton
          label="Attach files"
          className="composer__attach"
          testId="attach-button"
          path="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
          onClick={() => picker.current?.click()}
        />
      )}
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

/** Extensions of the text types, which the file dialog may not know by their MIME type. */
const textExtensions: Readonly<Record<string, string>> = {
  'text/plain': '.txt',
  'text/markdown': '.md',
  'text/csv': '.csv',
};

/** What the file dialog offers: the types the server takes (it checks every file anyway). */
function accepted(types: readonly string[]): string {
  return types.flatMap((type) => [type, ...(textExtensions[type] ? [textExtensions[type]] : [])]).join(',');
}
