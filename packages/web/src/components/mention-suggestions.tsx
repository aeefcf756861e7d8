/**
 * The composer's `@name` suggestions: a listbox the composer drives from the
 * keyboard (Arrow Up/Down move, Enter or Tab take one, Escape closes) while
 * focus stays in the text box (`aria-activedescendant`). A click takes one too.
 */
import { ROOM_MENTION, type RoomId, type RoomRole } from '@switchboard/chat/api';
import { useMemo } from 'react';
import { useChat } from './chat-context.ts';

/** The most suggestions shown at once. */
const maxSuggestions = 8;

export interface MentionSuggestion {
  username: string;
  /** What it says beside the name. */
  note: string;
}

/** The room's loaded members whose names start with `query`, you left out, and `@room` for whoever may use it. */
export function useMentionSuggestions(roomId: RoomId, query: string | null): MentionSuggestion[] {
  const members = useChat((state) => state.members[roomId]?.members);
  const me = useChat((state) => state.me?.id);
  const role = useChat((state) => state.rooms.find((room) => room.id === roomId)?.role);
  return useMemo(() => {
    if (query === null) return [];
    const found: MentionSuggestion[] = (members ?? [])
      .filter(({ user }) => user.id !== me && user.username.startsWith(query))
      .slice(0, maxSuggestions)
      .map(({ user, online }) => ({ username: user.username, note: online ? 'online' : '' }));
    if (mayMentionRoom(role) && ROOM_MENTION.startsWith(query)) {
      found.unshift({ username: ROOM_MENTION, note: 'everyone in the room' });
    }
    return found.slice(0, maxSuggestions);
  }, [members, me, role, query]);
}

/** The server's rule (the room's owner and admins), so the composer does not offer what would be refused. */
function mayMentionRoom(role: RoomRole | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

interface MentionSuggestionsProps {
  id: string;
  suggestions: readonly MentionSuggestion[];
  active: number;
  onPick: (username: string) => void;
}

export function optionId(listId: string, index: number): string {
  return `${listId}-option-${index}`;
}

export function MentionSuggestions({ id, suggestions, active, onPick }: MentionSuggestionsProps) {
  return (
    <div id={id} className="mention-suggestions" role="listbox" aria-label="People to mention" data-testid="mentions">
      {suggestions.map((suggestion, index) => (
        <div
          key={suggestion.username}
          id={optionId(id, index)}
          role="option"
          // Focus stays in the text box (aria-activedescendant); -1 keeps the option out of the tab order.
          tabIndex={-1}
          aria-selected={index === active}
          className="mention-suggestions__option"
          data-testid="mention-option"
          // Taken on mouse down, before the text box would lose focus.
          onMouseDown={(event) => {
            event.preventDefault();
            onPick(suggestion.username);
          }}
        >
          <span className="mention-suggestions__name">@{suggestion.username}</span>
          {suggestion.note !== '' && <span className="mention-suggestions__note">{suggestion.note}</span>}
        </div>
      ))}
    </div>
  );
}
