/**
 * What every store answers for a thread reply it wrote (ports/chat-store.ts
 * `ReplyResult`): the reply's `message` event, then the root's `threadUpdated`
 * at the next number, both at the reply's time.
 */
import type { Message } from '../domain/types.ts';
import type { ReplyResult } from '../ports/chat-store.ts';

export function writtenReply(message: Message, root: Message, threadSeq: number): ReplyResult {
  const { roomId, seq, createdAt: at } = message;
  return {
    message,
    root,
    events: [
      { type: 'message', roomId, seq, at, message },
      { type: 'threadUpdated', roomId, seq: threadSeq, at, message: root },
    ],
    created: true,
  };
}
