/** Edits a message in place: Enter saves, Shift+Enter adds a line, Escape cancels. */
import type { Message } from '@switchboard/chat/api';
import { type KeyboardEvent, useState } from 'react';
import { useChatClient } from './chat-context.ts';

export function MessageEditor({ message, onDone }: { message: Message; onDone: () => void }) {
  const client = useChatClient();
  const [text, setText] = useState(message.text);
  const [busy, setBusy] = useState(false);

  function save(): void {
    if (text.trim() === message.text.trim()) {
      onDone();
      return;
    }
    setBusy(true);
    client.edit(message.id, text).then(onDone, (error: Error) => {
      setBusy(false);
      client.notify(error.message);
    });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      // Cancels the edit only: not also what Escape does around it (closing the thread).
      event.stopPropagation();
      onDone();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    }
  }

  return (
    <div className="editor">
      <textarea
        className="editor__input"
        data-testid="edit-input"
        aria-label="Edit message"
        // biome-ignore lint/a11y/noAutofocus: opening the editor is a request to type in it
        autoFocus
        rows={Math.min(8, text.split('\n').length)}
        value={text}
        // Read-only, not disabled, while saving: a disabled box would drop the keyboard focus.
        readOnly={busy}
        aria-busy={busy}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        onFocus={(event) => event.currentTarget.setSelectionRange(text.length, text.length)}
      />
      <div className="editor__hint muted">
        Enter to save · Escape to cancel
        <button type="button" className="link-button" onClick={save} disabled={busy}>
          Save
        </button>
        <button type="button" className="link-button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}
