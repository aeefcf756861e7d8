/**
 * Thread rules every store applies inside its atomic write, so a reply never
 * lands under a message that stopped being a valid root in between: threads
 * are one level deep (a reply's root is never a reply, as in Slack), and a
 * reply lives in its root's room.
 */
import { ChatError } from './errors.ts';
import type { Message, RoomId, ThreadSummary } from './types.ts';

/**
 * The root a reply in `roomId` may go to. Rejects with `MESSAGE_NOT_FOUND` (no
 * such message in that room) or `NOT_A_THREAD_ROOT` (it is itself a reply).
 * A deleted root is checked after the idempotency check (`MESSAGE_DELETED`), so
 * a retry of a reply stored before the root was deleted still finds its reply.
 */
export function requireThreadRoot(root: Message | undefined, roomId: RoomId): Message {
  if (!root || root.roomId !== roomId) throw new ChatError('MESSAGE_NOT_FOUND');
  if (root.threadRootId !== null) throw new ChatError('NOT_A_THREAD_ROOT');
  return root;
}

/** A root's thread summary once the reply with `seq`, posted `at`, is counted. */
export function withReply(thread: ThreadSummary | null, at: number, seq: number): ThreadSummary {
  return { replyCount: (thread?.replyCount ?? 0) + 1, lastReplyAt: at, lastReplySeq: seq };
}
