/**
 * The DynamoDB store's search index, in the chat's one table: for every
 * message, one item per distinct word of its text, in its room's search
 * partition:
 *
 *   pk `SEARCH#<roomId>`   sk `<word>#<seq, 16 digits>`   createdAt
 *
 * A query term is a word prefix (the rule of every store, search-text.ts), so
 * the messages of a room with a word starting with a term are one Query,
 * `begins_with(sk, term)`; `createdAt` orders hits across rooms without reading
 * the messages. Each room has its own partition, so a search reads only the
 * rooms its user is a member of: a private room's words are never read for
 * anyone else.
 *
 * The stream indexer (search-indexer.ts) keeps it from the table's stream:
 * `searchIndexChanges` turns a message item's old and new images into the puts
 * and deletes that bring the index from one to the other. A message indexes at
 * most `maxWordsPerMessage` words (the first ones): every word is one write.
 */
import { messageWords } from '../search-text.ts';
import type { Key, MessageItem } from './items.ts';
import { keys } from './table-design.ts';

export interface SearchIndexOptions {
  /**
   * Words indexed per message, the first distinct ones of its text; later words
   * are not found. Every indexed word costs one write when the message is sent
   * (and one when an edit removes or adds it). 100 covers the 60 to 80 distinct
   * words of a long paragraph, and bounds a 4,000-character message of 1-letter
   * words (up to 2,000 of them) to 100 writes.
   * @default 100
   */
  maxWordsPerMessage?: number;
}

export const searchIndexDefaults = { maxWordsPerMessage: 100 } satisfies Required<SearchIndexOptions>;

/** An index item: the key holds the room, the word and the sequence number. */
export type SearchWordItem = Key & { createdAt: number };

export type SearchIndexWrite = { put: SearchWordItem } | { delete: Key };

/** The partition of a room's search index. */
export function searchPartition(roomId: string): string {
  return keys.searchWord(roomId, '', 0).pk;
}

/** The sequence number at the end of an index item's sort key. */
export function searchItemSeq(sk: string): number {
  return Number(sk.slice(sk.lastIndexOf('#') + 1));
}

/**
 * The writes that move the index from a message item's `before` image to its
 * `after` image (either absent: sent, or removed). A deleted message (its
 * `deletedAt` set, its text emptied) has no words. Unchanged words are not
 * written, so renaming a message's author or re-applying a change writes nothing.
 */
export function searchIndexChanges(
  before: MessageItem | undefined,
  after: MessageItem | undefined,
  options: SearchIndexOptions = {},
): SearchIndexWrite[] {
  const max = options.maxWordsPerMessage ?? searchIndexDefaults.maxWordsPerMessage;
  const old = new Set(indexedWords(before, max));
  const current = new Set(indexedWords(after, max));
  const writes: SearchIndexWrite[] = [];
  if (before) {
    for (const word of old) {
      if (!current.has(word)) writes.push({ delete: keys.searchWord(before.roomId, word, before.seq) });
    }
  }
  if (after) {
    for (const word of current) {
      if (!old.has(word)) {
        writes.push({ put: { ...keys.searchWord(after.roomId, word, after.seq), createdAt: after.createdAt } });
      }
    }
  }
  return writes;
}

function indexedWords(message: MessageItem | undefined, max: number): string[] {
  if (!message || message.deletedAt !== undefined || typeof message.text !== 'string') return [];
  return messageWords(message.text).slice(0, max);
}
