/**
 * The room's topic in the header, and for the room's owner and admins a way to change it:
 * "Edit topic" opens a one-line field where Enter saves (empty clears) and
 * Escape cancels; focus goes back to the button either way. Everyone else sees
 * the topic change live (`topicChanged`). Rendered as text, never as HTML.
 */
import { ChatLimits, type RoomSummary } from '@switchboard/chat/api';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';

export function RoomTopic({ room }: { room: RoomSummary }) {
  const client = useChatClient();
  const [draft, setDraft] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const owner = room.role !== 'member';
  const editing = draft !== null;

  // Opened from the button: typing is the next step.
  useEffect(() => {
    if (editing) field.current?.focus();
  }, [editing]);

  function close(): void {
    setDraft(null);
    // The button renders again once the field is gone.
    requestAnimationFrame(() => button.current?.focus());
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const topic = draft ?? '';
      close();
      client.setTopic(room.id, topic).catch((error: Error) => client.notify(error.message));
    }
  }

  if (editing) {
    return (
      <input
        ref={field}
        className="room-topic__input"
        data-testid="topic-input"
        aria-label="Room topic (Enter saves, Escape cancels)"
        maxLength={ChatLimits.topicMaxLength}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => setDraft(null)}
      />
    );
  }
  return (
    <span className="room-topic">
      {room.topic !== null && (
        <span className="room-topic__text" data-testid="room-topic" title={room.topic} dir="auto">
          {room.topic}
        </span>
      )}
      {owner && (
        <button
          ref={button}
          type="button"
          className="link-button room-topic__edit"
          data-testid="edit-topic"
          onClick={() => setDraft(room.topic ?? '')}
        >
          {room.topic === null ? 'Add a topic' : 'Edit topic'}
        </button>
      )}
    </span>
  );
}
