/**
 * Search candidates from an OpenSearch Serverless collection (the opt-in search
 * engine of the AWS deployment): one query over the message documents
 * (message-documents.ts) of the rooms the user may read, every query word a
 * `prefix` filter on the folded words, newest first. It reads no per-room
 * budget and sends one request whatever the number of rooms; the store checks
 * each candidate against the message as it does for its own index.
 */
import type { RoomId } from '../../domain/types.ts';
import type { SearchCandidate, SearchCandidateSource } from '../dynamodb/search-candidates.ts';
import { MESSAGES_INDEX, type MessageDocument } from './message-documents.ts';
import { type OpenSearchClient, OpenSearchError } from './opensearch-client.ts';

/** Candidates beyond the wanted hits, for documents the messages no longer back (an edit not yet indexed). */
const SPARE_CANDIDATES = 20;

interface SearchAnswer {
  hits: { hits: Array<{ _source: Pick<MessageDocument, 'roomId' | 'seq' | 'createdAt'> }> };
}

export class OpenSearchCandidates implements SearchCandidateSource {
  readonly #client: OpenSearchClient;

  constructor(client: OpenSearchClient) {
    this.#client = client;
  }

  async candidates(roomIds: readonly RoomId[], words: readonly string[], wanted: number): Promise<SearchCandidate[]> {
    try {
      const answer = await this.#client.request<SearchAnswer>(
        'POST',
        `/${MESSAGES_INDEX}/_search`,
        JSON.stringify(candidateQuery(roomIds, words, wanted + SPARE_CANDIDATES)),
      );
      return answer.hits.hits.map(({ _source }) => ({
        roomId: _source.roomId,
        seq: _source.seq,
        createdAt: _source.createdAt,
      }));
    } catch (error) {
      // Nothing was indexed yet.
      if (error instanceof OpenSearchError && error.type === 'index_not_found_exception') return [];
      throw error;
    }
  }
}

/** The query: only these rooms, every word a prefix of a word of the message, newest first (as every store orders hits). */
export function candidateQuery(roomIds: readonly RoomId[], words: readonly string[], size: number): object {
  return {
    size,
    _source: ['roomId', 'seq', 'createdAt'],
    sort: [{ createdAt: 'desc' }, { roomId: 'asc' }, { seq: 'desc' }],
    query: {
      bool: {
        filter: [{ terms: { roomId: [...roomIds] } }, ...words.map((word) => ({ prefix: { words: word } }))],
      },
    },
  };
}
