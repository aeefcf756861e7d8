/**
 * People picked to talk to, in the order they were picked: one opens a direct
 * conversation, 2 to 7 a group conversation (the user makes the 3 to 8). Shared
 * by the new-conversation dialog (people online, or found by name) and the
 * member list.
 */
import { ChatLimits, type UserSummary } from '@switchboard/chat/api';
import { useState } from 'react';
import { useChatClient } from './chat-context.ts';

/** The most others a conversation takes: the largest group without the user. */
export const maxOthers = ChatLimits.groupMaxMembers - 1;

export interface PeopleSelection {
  selected: readonly UserSummary[];
  isSelected: (userId: string) => boolean;
  toggle: (user: UserSummary) => void;
  clear: () => void;
  /** One to `maxOthers` people are picked. */
  canStart: boolean;
  /** What starting does, for its button: "Message ada" or "Start a group of 3". */
  action: string;
  /** Opens the conversation with the picked people (and shows it). */
  start: () => Promise<void>;
}

export function usePeopleSelection(): PeopleSelection {
  const client = useChatClient();
  const [selected, setSelected] = useState<readonly UserSummary[]>([]);
  const count = selected.length;
  return {
    selected,
    isSelected: (userId) => selected.some((user) => user.id === userId),
    toggle: (user) =>
      setSelected((list) =>
        list.some((picked) => picked.id === user.id) ? list.filter((picked) => picked.id !== user.id) : [...list, user],
      ),
    clear: () => setSelected([]),
    canStart: count >= 1 && count <= maxOthers,
    action:
      count > maxOthers
        ? `Pick at most ${maxOthers} people`
        : count <= 1
          ? `Message${count === 1 ? ` ${selected[0]!.username}` : ''}`
          : `Start a group of ${count + 1}`,
    start: () => (count === 1 ? client.openDirect(selected[0]!.id) : client.openGroup(selected.map((user) => user.id))),
  };
}
