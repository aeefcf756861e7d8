/** A room message for client-state tests: `id` is also its text, `seq` its time; `change` overrides any field. */
import type { Message } from '@switchboard/chat/api';

export function message(id: string, seq: number, change: Partial<Message> = {}): Message {
  return {
    id,
    roomId: 'r1',
    seq,
    authorId: 'u1',
    authorName: 'ada',
    text: id,
    clientMessageId: null,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    pinnedAt: null,
    pinnedBy: null,
    threadRootId: null,
    alsoToRoom: false,
    thread: null,
    removedByModerator: false,
    attachments: [],
    ...change,
  };
}
