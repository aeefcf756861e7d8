/**
 * Where a DynamoDB store's search finds the messages that may match (search.ts
 * reads and checks them): the word index in the table (word-index-candidates.ts,
 * the default), or an external engine (store/opensearch/).
 */
import type { RoomId } from '../../domain/types.ts';
import { compare } from './items.ts';

/** A message that may match, by key, with what orders it. */
export interface SearchCandidate {
  roomId: RoomId;
  seq: number;
  createdAt: number;
}

export interface SearchCandidateSource {
  /**
   * Messages of `roomIds` (the rooms the user may read: never look elsewhere)
   * whose words may start with every one of `words`, newest first. `wanted` is
   * how many hits the search returns: a source may stop a little after it.
   */
  candidates(roomIds: readonly RoomId[], words: readonly string[], wanted: number): Promise<SearchCandidate[]>;
}

/** Newest first (`createdAt`), then by room and newest sequence number: the order of every store's hits. */
export function newestFirst(a: SearchCandidate, b: SearchCandidate): number {
  return b.createdAt - a.createdAt || compare(a.roomId, b.roomId) || b.seq - a.seq;
}
