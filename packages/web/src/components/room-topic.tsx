/**
 * The room's topic in the header, and for the room's owner and admins a way to change it
 * and to rename the room: "Edit topic" or "Rename" opens a one-line field where Enter
 * saves (an empty topic clears it) and Escape cancels; focus goes back to the button
 * either way. Everyone else sees the change live (`topicChanged`, `roomRenamed`).
 * Rendered as text, never as HTML.
 */
import { ChatLimits, type RoomSummary } from '@switchboard/chat/api';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';

/** What the one-line field edits. */
const fields = {
  topic: {
    label: 'Room topic',
    maxLength: ChatLimits.topicMaxLength,
    testId: 'topic-input',
    buttonTestId: 'edit-topic',
  },
  // The server's rule (2 to 32 of a-z, 0-9, _ and -) explains itself when refused.
  name: { label: 'Room name', maxLength: 32, testId: 'room-name-input', buttonTestId: 'rename-room' },
} as const;

export function RoomTopic({ room }: { room: RoomSummary }) {
  const client = useChatClient();
  const [draft, setDraft] = useState<{ field: keyof typeof fields; value: string } | null>(null);
  const field = useRef<HTMLInputElement>(null);
  /** The button each field opens from, where focus goes back. */
  const buttons = useRef<Partial<Record<keyof typeof fields, HTMLButtonElement | null>>>({});
  const owner = room.role !== 'member';
  const editing = draft !== null;

  // Opened from the button: typing is the next step.
  useEffect(() => {
    if (editing) field.current?.focus();
  }, [editing]);

  function close(): void {
    const opener = draft?.field;
    setDraft(null);
    // The button renders again once the field is gone.
    requestAnimationFrame(() => opener && buttons.current[opener]?.focus());
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Enter' && draft !== null) {
      event.preventDefault();
      close();
      const saved =
        draft.field === 'topic'
          ? client.admin.setTopic(room.id, draft.value)
          : client.admin.renameRoom(room.id, draft.value);
      saved.catch((error: Error) => client.notify(error.message));
    }
  }

  if (editing) {
    const { label, maxLength, testId } = fields[draft.field];
    return (
      <input
        ref={field}
        className="room-topic__input"
        data-testid={testId}
        aria-label={`${label} (Enter saves, Escape cancels)`}
        maxLength={maxLength}
        value={draft.value}
        onChange={(event) => setDraft({ field: draft.field, value: event.target.value })}
        onKeyDown={onKeyDown}
        onBlur={() => setDraft(null)}
      />
    );
  }
  if (room.topic === null && !owner) return null;
  return (
    // The topic and its owner's buttons stay together: beside the name when they fit, on a line of their own below it when not.
    <span className={room.topic === null ? 'room-topic room-topic--empty' : 'room-topic'}>
      {room.topic !== null && (
        <span className="room-topic__text" data-testid="room-topic" title={room.topic} dir="auto">
          {room.topic}
        </span>
      )}
      {owner && (
        // Apart from the topic, which shortens in a narrow header while these stay whole.
        <span className="room-topic__actions">
          {(Object.keys(fields) as Array<keyof typeof fields>).map((key) => (
            <button
              key={key}
              ref={(element) => {
                buttons.current[key] = element;
              }}
              type="button"
              className="link-button room-topic__edit"
              data-testid={fields[key].buttonTestId}
              onClick={() => setDraft({ field: key, value: (key === 'topic' ? room.topic : room.name) ?? '' })}
            >
              {key === 'name' ? 'Rename' : room.topic === null ? 'Add a topic' : 'Edit topic'}
            </button>
          ))}
        </span>
      )}
    </span>
  );
}
