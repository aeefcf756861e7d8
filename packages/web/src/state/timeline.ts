/**
 * A room's loaded messages: ordered by `seq`, one entry per message id, each in
 * its latest known state. Pure functions over immutable arrays, so React sees a
 * new array only when something changed.
 */
import type { Message } from '@switchboard/chat/api';

export interface Timeline {
  /** Ascending `seq`. */
  messages: readonly Message[];
  /** The newest history page was read; before that only live messages are here. */
  historyLoaded: boolean;
  /** Older messages exist before `messages[0]`. */
  hasMore: boolean;
  /** A history request is in flight. */
  loading: boolean;
}

export const emptyTimeline: Timeline = { messages: [], historyLoaded: false, hasMore: true, loading: false };

/**
 * The later of two versions of a message. A delete is final; otherwise the later
 * edit wins, so a history page read before an edit cannot undo it; an equal
 * version keeps the current object.
 */
export function newerVersion(current: Message, incoming: Message): Message {
  if (current.deletedAt !== null) return current;
  if (incoming.deletedAt !== null) return incoming;
  return (incoming.editedAt ?? 0) > (current.editedAt ?? 0) ? incoming : current;
}

/** Merges messages into a timeline's list (returns the same array when nothing changed). */
export function mergeMessages(messages: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  if (incoming.length === 0) return messages;
  const byId = new Map(messages.map((message) => [message.id, message]));
  let changed = false;
  for (const message of incoming) {
    const current = byId.get(message.id);
    const next = current === undefined ? message : newerVersion(current, message);
    if (next !== current) {
      byId.set(message.id, next);
      changed = true;
    }
  }
  if (!changed) return messages;
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}
