/**
 * A message as an append (or a thread reply) first stores it: not edited,
 * reacted to, pinned or replied to yet. Every store answers an append with the
 * message built here instead of reading back the row it wrote, so what a send
 * answers is what a later read returns, on every store.
 */
import type { Message, MessageEvent } from '../domain/types.ts';
import type { AppendResult, NewMessage, NewReply } from '../ports/chat-store.ts';

/** The stored form of `message` at `seq`; a reply (`rootId`) keeps its thread and whether it also went to the room. */
export function newMessage(message: NewMessage | NewReply, seq: number): Message {
  const reply = 'rootId' in message ? message : null;
  return {
    id: message.id,
    roomId: message.roomId,
    seq,
    authorId: message.authorId,
    authorName: message.authorName,
    text: message.text,
    clientMessageId: message.clientMessageId,
    createdAt: message.at,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    pinnedAt: null,
    pinnedBy: null,
    threadRootId: reply?.rootId ?? null,
    alsoToRoom: reply?.alsoToRoom ?? false,
    thread: null,
    removedByModerator: false,
    ...(message.mentions ? { mentions: message.mentions } : {}),
    attachments: message.attachments ?? [],
  };
}

/** The `message` event of a stored message. */
export function messageEvent(message: Message): MessageEvent {
  return { type: 'message', roomId: message.roomId, seq: message.seq, at: message.createdAt, message };
}

/** An append's answer: `created` false when an earlier send with the same client message id stored `message`. */
export function appendResult(message: Message, created: boolean): AppendResult {
  return { message, event: messageEvent(message), created };
}
