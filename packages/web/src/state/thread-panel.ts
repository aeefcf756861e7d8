/**
 * The open thread (one at a time, beside the room) and which threads are
 * unread: pure functions over immutable values, as timeline.ts is for rooms.
 */
import type { Message, RoomId } from '@switchboard/chat/api';
import { type MessagePart, mergeMessages, newerVersion, withPartOf } from './timeline.ts';

export interface ThreadPanel {
  roomId: RoomId;
  rootId: string;
  /** The root as last known; null until the thread's first page arrives (a root not loaded in the room). */
  root: Message | null;
  /** Ascending `seq`. */
  replies: readonly Message[];
  /** Older replies exist before `replies[0]`. */
  hasMore: boolean;
  /** A page is being read. */
  loading: boolean;
  /** The last page read failed: "Try again" reads it. */
  failed: boolean;
}

export function openPanel(roomId: RoomId, rootId: string, root: Message | null): ThreadPanel {
  return { roomId, rootId, root, replies: [], hasMore: false, loading: true, failed: false };
}

/**
 * The panel after messages of its room arrived (events in `seq` order, or a
 * page): its root's newer state, and replies of its thread merged in order.
 * The messages of reaction and pin events (in `parts`) change only that part,
 * as in the room's timeline (timeline.ts `mergeMessages`).
 */
export function withThreadMessages(
  panel: ThreadPanel,
  incoming: readonly Message[],
  parts: ReadonlyMap<Message, MessagePart> = new Map(),
): ThreadPanel {
  let { root, replies } = panel;
  const mine: Message[] = [];
  for (const message of incoming) {
    if (message.id === panel.rootId) root = root === null ? message : updated(root, message, parts.get(message));
    else if (message.threadRootId === panel.rootId) mine.push(message);
  }
  if (mine.length > 0) replies = mergeMessages(replies, mine, parts);
  return root === panel.root && replies === panel.replies ? panel : { ...panel, root, replies };
}

/** `current` after `incoming` arrived: only its `part` when it is a reaction or pin event's. */
function updated(current: Message, incoming: Message, part: MessagePart | undefined): Message {
  return part === undefined ? newerVersion(current, incoming) : withPartOf(current, incoming, part);
}

/** Whether a reply shows in its room's timeline: not a reply, or one also sent to the room. */
export function inTimeline(message: Message): boolean {
  return message.threadRootId === null || message.alsoToRoom;
}

/**
 * How far the user has read a thread they follow; undefined when they do not
 * follow it. The user's own messages are followed from their first reply, read
 * up to the root until then.
 */
export function threadPosition(
  root: Message,
  reads: Readonly<Record<string, number>>,
  me: string | undefined,
): number | undefined {
  return reads[root.id] ?? (root.authorId === me ? root.seq : undefined);
}

/** A followed thread with replies beyond the user's read position. */
export function threadUnread(root: Message, reads: Readonly<Record<string, number>>, me: string | undefined): boolean {
  if (root.thread === null) return false;
  const position = threadPosition(root, reads, me);
  return position !== undefined && root.thread.lastReplySeq > position;
}

/**
 * The thread roots known, by id, with these messages' thread summaries taken in
 * (the summary with more replies wins, as in a timeline); the same object when
 * nothing changed. Messages without a thread are not roots yet and are left out.
 */
export function withThreadRoots(
  roots: Readonly<Record<string, Message>>,
  incoming: readonly Message[],
): Readonly<Record<string, Message>> {
  let next = roots;
  for (const message of incoming) {
    if (message.thread === null) continue;
    const current = next[message.id];
    const root = current === undefined ? message : withPartOf(current, message, 'thread');
    if (root !== current) next = { ...next, [message.id]: root };
  }
  return next;
}

/** How many threads of the room that the user follows have replies beyond their read position. */
export function unreadThreadCount(
  roots: Readonly<Record<string, Message>>,
  reads: Readonly<Record<string, number>>,
  roomId: RoomId,
  me: string | undefined,
): number {
  let count = 0;
  for (const root of Object.values(roots)) if (root.roomId === roomId && threadUnread(root, reads, me)) count++;
  return count;
}

/** The read positions with one moved forward (never back); the same object when nothing moved. */
export function withThreadRead(
  reads: Readonly<Record<string, number>>,
  rootId: string,
  seq: number,
): Readonly<Record<string, number>> {
  return (reads[rootId] ?? Number.NEGATIVE_INFINITY) >= seq ? reads : { ...reads, [rootId]: seq };
}
