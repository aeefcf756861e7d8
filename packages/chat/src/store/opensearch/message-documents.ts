/**
 * The chat's messages as OpenSearch documents, for deployments that search with
 * OpenSearch instead of the table's word index: one document per message, id
 * `<roomId>#<seq>`, holding its room, sequence number, time and folded words
 * (search-text.ts), never its text: hits are read from DynamoDB and checked
 * against the message (dynamodb/search.ts), so the match rule and snippets are
 * every store's, and the collection holds no message text.
 */
import type { RoomId } from '../../domain/types.ts';
import type { MessageItem } from '../dynamodb/items.ts';
import type { MessageChange } from '../dynamodb/search-indexer.ts';
import { messageWords } from '../search-text.ts';

/** The index of message documents. */
export const MESSAGES_INDEX = 'messages';

/** Its mapping: exact keyword words, so a `prefix` query is the word-prefix rule of every store. */
export const messagesIndexBody = {
  mappings: {
    dynamic: 'strict',
    properties: {
      roomId: { type: 'keyword' },
      seq: { type: 'long' },
      createdAt: { type: 'long' },
      words: { type: 'keyword' },
    },
  },
} as const;

export interface MessageDocument {
  roomId: RoomId;
  seq: number;
  createdAt: number;
  words: string[];
}

export function documentId(roomId: RoomId, seq: number): string {
  return `${roomId}#${seq}`;
}

/**
 * The `_bulk` request (NDJSON) that brings the documents to the messages' last
 * images: a message with text is indexed (replacing its document), a deleted or
 * removed one is deleted. Empty when nothing changes.
 */
export function bulkRequest(changes: readonly MessageChange[]): string {
  const lines: string[] = [];
  for (const { before, after } of changes) {
    const message = after ?? before;
    if (!message) continue;
    const _id = documentId(message.roomId, message.seq);
    if (after && hasText(after)) {
      if (before && hasText(before) && before.text === after.text) continue;
      const document: MessageDocument = {
        roomId: after.roomId,
        seq: after.seq,
        createdAt: after.createdAt,
        words: messageWords(after.text),
      };
      lines.push(JSON.stringify({ index: { _index: MESSAGES_INDEX, _id } }), JSON.stringify(document));
    } else if (before && hasText(before)) {
      lines.push(JSON.stringify({ delete: { _index: MESSAGES_INDEX, _id } }));
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function hasText(message: MessageItem): boolean {
  return message.deletedAt === undefined && typeof message.text === 'string' && message.text.length > 0;
}
