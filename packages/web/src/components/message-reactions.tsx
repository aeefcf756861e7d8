/**
 * A message's reactions and the picker that adds one. Each reaction is a toggle
 * button (pressed when it is yours) showing the emoji and how many reacted, with
 * who reacted in its title and accessible name. The picker offers the curated
 * emoji first and takes any other emoji typed or pasted; the server checks it.
 *
 * Keyboard: Tab reaches every reaction; in the picker, Tab moves between the
 * emoji and the field, Enter in the field adds what it holds, Escape closes it
 * and gives focus back to where it was opened from.
 */
import { CURATED_REACTIONS, type Message } from '@switchboard/chat/api';
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { useChat, useChatClient } from './chat-context.ts';

interface MessageReactionsProps {
  message: Message;
  /** The picker is open. */
  picking: boolean;
  /** Closes the picker (after a choice, or Escape). */
  onPicked: () => void;
}

/** Names shown in a reaction's title before "and N others". */
const NAMES_SHOWN = 10;

export function MessageReactions({ message, picking, onPicked }: MessageReactionsProps) {
  const client = useChatClient();
  const me = useChat((state) => state.me);

  function react(emoji: string, add: boolean): void {
    client.react(message.id, emoji, add).catch((error: Error) => client.notify(error.message));
  }

  if (message.reactions.length === 0 && !picking) return null;
  return (
    <div className="reactions" data-testid="reactions">
      {message.reactions.map(({ emoji, users }) => {
        const mine = users.some((user) => user.id === me?.id);
        const names = users.slice(0, NAMES_SHOWN).map((user) => (user.id === me?.id ? 'you' : user.username));
        const others = users.length - names.length;
        const who = `${names.join(', ')}${others > 0 ? ` and ${others} more` : ''}`;
        return (
          <button
            key={emoji}
            type="button"
            className={`reaction${mine ? ' reaction--mine' : ''}`}
            data-testid="reaction"
            data-emoji={emoji}
            aria-pressed={mine}
            aria-label={`${emoji} ${users.length}: ${who}. ${mine ? 'Remove your reaction' : 'React with this too'}`}
            title={`${who} reacted with ${emoji}`}
            onClick={() => react(emoji, !mine)}
          >
            <span className="reaction__emoji">{emoji}</span>
            <span className="reaction__count" data-testid="reaction-count">
              {users.length}
            </span>
          </button>
        );
      })}
      {picking && (
        <ReactionPicker
          onChoose={(emoji) => {
            onPicked();
            react(emoji, true);
          }}
          onClose={onPicked}
        />
      )}
    </div>
  );
}

function ReactionPicker({ onChoose, onClose }: { onChoose: (emoji: string) => void; onClose: () => void }) {
  const [typed, setTyped] = useState('');
  const first = useRef<HTMLButtonElement>(null);

  // Opened from the keyboard or a click: the choice is the next step.
  useEffect(() => first.current?.focus(), []);

  function onKeyDown(event: KeyboardEvent<HTMLFieldSetElement>): void {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    onClose();
  }

  return (
    <fieldset className="reaction-picker" aria-label="Add a reaction" onKeyDown={onKeyDown}>
      {CURATED_REACTIONS.map((emoji, index) => (
        <button
          key={emoji}
          ref={index === 0 ? first : undefined}
          type="button"
          className="reaction-picker__emoji"
          data-testid="pick-reaction"
          aria-label={`React with ${emoji}`}
          onClick={() => onChoose(emoji)}
        >
          {emoji}
        </button>
      ))}
      <input
        className="reaction-picker__input"
        data-testid="reaction-input"
        aria-label="Any emoji"
        placeholder="Any emoji"
        value={typed}
        maxLength={32}
        onChange={(event) => setTyped(event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter' || typed.trim() === '') return;
          event.preventDefault();
          onChoose(typed.trim());
        }}
      />
    </fieldset>
  );
}
