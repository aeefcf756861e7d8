/**
 * Search candidates from the word index in the table (search-index.ts), the
 * DynamoDB store's own search engine.
 *
 * Per room, one Query per query word (`begins_with`, eventually consistent: the
 * index trails the table anyway), and the sets of messages intersected. A word
 * with more than `searchMatchesPerWord` matches in a room is not read to the
 * end; its set is left out of the intersection (the text check of search.ts
 * applies it), and when every word of a search is that common, the smallest set
 * is all the room contributes.
 */
import type { RoomId } from '../../domain/types.ts';
import { newestFirst, type SearchCandidate, type SearchCandidateSource } from './search-candidates.ts';
import { type SearchWordItem, searchItemSeq, searchPartition } from './search-index.ts';
import { type DynamoTable, mapLimit } from './table.ts';

/** The messages of one room whose words start with one query word. */
interface WordMatches {
  bySeq: Map<number, number>;
  /** False when the room has more matches than were read. */
  complete: boolean;
}

export class WordIndexCandidates implements SearchCandidateSource {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async candidates(roomIds: readonly RoomId[], words: readonly string[]): Promise<SearchCandidate[]> {
    const perRoom = await mapLimit(roomIds, this.#table.settings.queryConcurrency, (roomId) =>
      this.#roomCandidates(roomId, words),
    );
    return perRoom.flat().sort(newestFirst);
  }

  async #roomCandidates(roomId: RoomId, words: readonly string[]): Promise<SearchCandidate[]> {
    const sets = await Promise.all(words.map((word) => this.#wordMatches(roomId, word)));
    const complete = sets.filter((set) => set.complete);
    const bySize = (complete.length > 0 ? complete : sets).sort((a, b) => a.bySeq.size - b.bySeq.size);
    const [smallest, ...others] = bySize;
    const candidates: SearchCandidate[] = [];
    for (const [seq, createdAt] of smallest!.bySeq) {
      if (others.every((set) => !set.complete || set.bySeq.has(seq))) candidates.push({ roomId, seq, createdAt });
    }
    return candidates;
  }

  async #wordMatches(roomId: RoomId, word: string): Promise<WordMatches> {
    const max = this.#table.settings.searchMatchesPerWord;
    const items = await this.#table.query<SearchWordItem>(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :word)',
        ExpressionAttributeValues: { ':pk': searchPartition(roomId), ':word': word },
        ProjectionExpression: 'sk, createdAt',
        ConsistentRead: false,
      },
      max + 1,
    );
    const bySeq = new Map<number, number>();
    // A message with several words starting with `word` has an item for each.
    for (const item of items.slice(0, max)) bySeq.set(searchItemSeq(item.sk), item.createdAt);
    return { bySeq, complete: items.length <= max };
  }
}
