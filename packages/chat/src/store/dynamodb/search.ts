/**
 * Full-text search on DynamoDB, with the match rule and snippets of the other
 * stores (search-text.ts):
 *
 * 1. Rooms: the one asked for if the user is a member of it, else every room
 *    the user is a member of, read from the user's own partition (strongly
 *    consistent), so a room the user left or never joined is never searched.
 * 2. Candidates from the store's search engine (search-candidates.ts): the word
 *    index in the table by default, or OpenSearch; only ever in those rooms.
 * 3. Candidates newest first, read in pages, and each checked against the
 *    message itself: not deleted, every word in its current text. So an index
 *    that trails an edit or a delete never shows what the message no longer
 *    says; it can only miss, for the moment the indexer takes, what a message
 *    newly says.
 */
import type { RoomId, SearchHit, UserId } from '../../domain/types.ts';
import type { SearchQuery } from '../../ports/chat-store.ts';
import { matchesEveryWord, searchQueryWords, searchSnippet } from '../search-text.ts';
import { byKey, keyOf, type MessageItem, type RoomItem, toMessage, toRoom } from './items.ts';
import type { SearchCandidateSource } from './search-candidates.ts';
import type { DynamoTable } from './table.ts';
import { keys } from './table-design.ts';
import { userRoomIds } from './user-partition.ts';

export class DynamoSearch {
  readonly #table: DynamoTable;
  readonly #source: SearchCandidateSource;

  constructor(table: DynamoTable, source: SearchCandidateSource) {
    this.#table = table;
    this.#source = source;
  }

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const words = searchQueryWords(query.terms);
    if (!words || query.limit < 1) return [];
    const table = this.#table;
    return table.run(async () => {
      const roomIds = await this.#readableRooms(query.userId, query.roomId);
      if (roomIds.length === 0) return [];
      const candidates = await this.#source.candidates(roomIds, words, query.limit);
      const found: MessageItem[] = [];
      // A page of the limit (plus a little for entries the messages no longer back) is nearly always the only one.
      const pageSize = Math.min(100, query.limit + 10);
      for (let start = 0; start < candidates.length && found.length < query.limit; start += pageSize) {
        const page = candidates.slice(start, start + pageSize);
        const messages = byKey(
          await table.batchGet<MessageItem>(page.map(({ roomId, seq }) => keys.message(roomId, seq))),
        );
        for (const { roomId, seq } of page) {
          const message = messages.get(keyOf(keys.message(roomId, seq)));
          if (!message || message.deletedAt !== undefined || !matchesEveryWord(message.text, words)) continue;
          found.push(message);
          if (found.length === query.limit) break;
        }
      }
      const rooms = byKey(
        await table.batchGet<RoomItem>([...new Set(found.map((message) => message.roomId))].map(keys.room)),
      );
      return found.flatMap((item) => {
        const room = toRoom(rooms.get(keyOf(keys.room(item.roomId))));
        const message = toMessage(item)!;
        return room ? [{ message, room, snippet: searchSnippet(message.text, words) }] : [];
      });
    });
  }

  /** The rooms whose messages the user may search: membership, read now. */
  async #readableRooms(userId: UserId, roomId: RoomId | undefined): Promise<RoomId[]> {
    if (roomId === undefined) return userRoomIds(this.#table, userId);
    return (await this.#table.get(keys.member(roomId, userId))) ? [roomId] : [];
  }
}
