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
  /**
   * The last read of older messages failed (after its retries): the next one
   * waits until the user asks (scrolls up, Arrow Up, "Try again").
   */
  failed: boolean;
}

export const emptyTimeline: Timeline = {
  messages: [],
  historyLoaded: false,
  hasMore: true,
  loading: false,
  failed: false,
};

/**
 * The later of two versions of a message. A delete is final; otherwise the later
 * edit wins, so a history page read before an edit cannot undo it; an equal
 * version keeps the current object. The thread summary is the one with more replies.
 */
export function newerVersion(current: Message, incoming: Message): Message {
  const later =
    current.deletedAt !== null
      ? current
      : incoming.deletedAt !== null || (incoming.editedAt ?? 0) > (current.editedAt ?? 0)
        ? incoming
        : current;
  // A thread only grows: the version with more replies holds the latest summary, whichever text is newer.
  const other = later === current ? incoming : current;
  return withPartOf(later, other, 'thread');
}

/** What a `messageReacted` event changes (`reactions`), a pin event (`pin`) and a `threadUpdated` event (`thread`). */
export type MessagePart = 'reactions' | 'pin' | 'thread';

/**
 * A message after a reaction, pin or thread event: that part is the event's, the rest
 * stays (a later edit already merged is not undone). These events come in `seq`
 * order, so the latest one applied holds the latest state of its part; a
 * deleted message keeps neither.
 */
export function withPartOf(current: Message, incoming: Message, part: MessagePart): Message {
  // A deleted root keeps its thread, which stays readable.
  if (part === 'thread') {
    const known = current.thread?.replyCount ?? 0;
    return (incoming.thread?.replyCount ?? 0) > known ? { ...current, thread: incoming.thread } : current;
  }
  if (current.deletedAt !== null) return current;
  if (part === 'reactions') {
    return current.reactions === incoming.reactions ? current : { ...current, reactions: incoming.reactions };
  }
  if (current.pinnedAt === incoming.pinnedAt) return current;
  return { ...current, pinnedAt: incoming.pinnedAt, pinnedBy: incoming.pinnedBy };
}

/**
 * Merges messages into a timeline's list (returns the same array when nothing
 * changed), in order. New messages after the last one, in order (a live burst),
 * are appended without rebuilding the list. The messages of reaction and pin
 * events (in `parts`) change only their part of a loaded message.
 */
export function mergeMessages(
  messages: readonly Message[],
  incoming: readonly Message[],
  parts: ReadonlyMap<Message, MessagePart> = noParts,
): readonly Message[] {
  if (incoming.length === 0) return messages;
  if (appendsInOrder(messages, incoming)) return [...messages, ...incoming];
  const byId = new Map(messages.map((message) => [message.id, message]));
  let changed = false;
  for (const message of incoming) {
    const current = byId.get(message.id);
    const part = parts.get(message);
    const next =
      current === undefined
        ? message
        : part !== undefined
          ? withPartOf(current, message, part)
          : newerVersion(current, message);
    if (next !== current) {
      byId.set(message.id, next);
      changed = true;
    }
  }
  if (!changed) return messages;
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

const noParts: ReadonlyMap<Message, MessagePart> = new Map();

/** Whether every incoming message comes after the last one, in ascending `seq` (then they are all new). */
function appendsInOrder(messages: readonly Message[], incoming: readonly Message[]): boolean {
  let last = messages.at(-1)?.seq ?? Number.NEGATIVE_INFINITY;
  for (const message of incoming) {
    if (message.seq <= last) return false;
    last = message.seq;
  }
  return true;
}
