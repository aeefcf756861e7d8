/**
 * Typing an `@name` in a text box (the room's composer, the thread's): while
 * the caret ends one, the room's loaded members whose names start with it are
 * suggested (shown by mention-suggestions.tsx); Arrow Up/Down move through
 * them, Enter or Tab take one, Escape closes them, and a taken name replaces
 * what was typed.
 */
import { ROOM_MENTION, type RoomId, type RoomRole } from '@switchboard/chat/api';
import { type KeyboardEvent, type RefObject, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type MentionQuery, mentionQueryAt } from '../state/mentions.ts';
import { useChat } from './chat-context.ts';
import { hasModifier } from './modifier-keys.ts';

/** The most suggestions shown at once. */
const maxSuggestions = 8;

interface MentionSuggestion {
  username: string;
  /** What it says beside the name. */
  note: string;
}

/** The room's loaded members whose names start with `query`, you left out, and `@room` for whoever may use it. */
function useMentionSuggestions(roomId: RoomId, query: string | null): MentionSuggestion[] {
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

export interface MentionTyping {
  suggestions: MentionSuggestion[];
  /** The suggestion the arrow keys are on. */
  active: number;
  /** Follows the caret: call on every change and selection of the text box. */
  track: (element: HTMLTextAreaElement) => void;
  /** Puts `@username ` in place of the name being typed. */
  pick: (username: string) => void;
  /** Closes the suggestions (the text box lost focus). */
  close: () => void;
  /** Keys that drive the suggestions; true when the key was theirs (then nothing else may act on it). */
  onKey: (event: KeyboardEvent<HTMLTextAreaElement>) => boolean;
  /** The text box's combobox attributes, for a suggestion list with the id `listId`. */
  comboboxProps: (listId: string) => {
    role: 'combobox';
    'aria-autocomplete': 'list';
    'aria-expanded': boolean;
    'aria-controls': string | undefined;
    'aria-activedescendant': string | undefined;
  };
}

/** `setText` is how the box's owner keeps its text (a draft, a state). */
export function useMentionTyping(
  roomId: RoomId,
  input: RefObject<HTMLTextAreaElement | null>,
  text: string,
  setText: (next: string) => void,
): MentionTyping {
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  // Where the caret goes once a picked mention is in the text box.
  const caretAfterPick = useRef<number | null>(null);
  const suggestions = useMentionSuggestions(roomId, mention?.query ?? null);
  const suggesting = suggestions.length > 0;

  // In the commit that shows the picked mention, before the browser handles the next key: a
  // caret placed a frame later would let a fast typist's first letter land behind it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the picked text is committed
  useLayoutEffect(() => {
    const caret = caretAfterPick.current;
    if (caret === null) return;
    caretAfterPick.current = null;
    input.current?.setSelectionRange(caret, caret);
  }, [text]);

  function track(element: HTMLTextAreaElement): void {
    const caret = element.selectionStart === element.selectionEnd ? element.selectionStart : -1;
    const next = caret < 0 ? null : mentionQueryAt(element.value, caret);
    if (next?.start !== mention?.start || next?.query !== mention?.query) {
      setMention(next);
      setActive(0);
    }
  }

  function pick(username: string): void {
    if (mention === null) return;
    const end = mention.start + 1 + mention.query.length;
    setText(`${text.slice(0, mention.start)}@${username} ${text.slice(end)}`);
    setMention(null);
    caretAfterPick.current = mention.start + username.length + 2;
  }

  function onKey(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!suggesting || event.nativeEvent.isComposing || hasModifier(event)) return false;
    const count = suggestions.length;
    if (event.key === 'ArrowDown') setActive((active + 1) % count);
    else if (event.key === 'ArrowUp') setActive((active - 1 + count) % count);
    else if (event.key === 'Enter' || event.key === 'Tab') pick(suggestions[active]?.username ?? '');
    else if (event.key === 'Escape') setMention(null);
    else return false;
    // The list's keys: not the page's shortcuts, not a send, not closing the thread.
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  return {
    suggestions,
    active,
    track,
    pick,
    close: () => setMention(null),
    onKey,
    comboboxProps: (listId) => ({
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': suggesting,
      'aria-controls': suggesting ? listId : undefined,
      'aria-activedescendant': suggesting ? optionId(listId, active) : undefined,
    }),
  };
}

export function optionId(listId: string, index: number): string {
  return `${listId}-option-${index}`;
}
