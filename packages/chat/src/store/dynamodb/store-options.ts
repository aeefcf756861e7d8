/** The DynamoDB store's settings, with their defaults. */
import type { SearchCandidateSource } from './search-candidates.ts';

export interface DynamoDbChatStoreOptions {
  /**
   * Lifetime of a connection item before TTL may delete it. API Gateway closes
   * every connection after 2 hours (apigw-websocket-spec.md section 4), so a
   * connection item older than that belongs to a lost `$disconnect`; the extra
   * hour covers clock skew. DynamoDB deletes expired items late (typically
   * within days), so this is a safety net, not presence.
   * @default 10800
   */
  connectionTtlSeconds?: number;
  /** Attempts of a contended sequence write before it fails with STORE_UNAVAILABLE. @default 64 */
  maxWriteAttempts?: number;
  /** Parallel queries when a listing needs one query per room or member. @default 16 */
  queryConcurrency?: number;
  /**
   * Index entries a search reads per query word and room (search.ts). A word
   * with more matches in a room than this (a one-letter prefix in a long
   * history) stops narrowing that room's candidates; when every word of a
   * search is that common, the room's hits come from the first entries only.
   * 5,000 entries are about 400 KB: 50 read units, eventually consistent.
   * @default 5000
   */
  searchMatchesPerWord?: number;
  /**
   * Where searches find the messages that may match (search.ts checks each
   * against the message). @default the word index in the table, which the
   * stream indexer writes (word-index-candidates.ts)
   */
  searchEngine?: SearchCandidateSource;
}

/** The settings every part of the store reads (the search engine is the store's alone). */
export type DynamoTableSettings = Required<Omit<DynamoDbChatStoreOptions, 'searchEngine'>>;

export const dynamoDbChatStoreDefaults = {
  connectionTtlSeconds: 3 * 60 * 60,
  maxWriteAttempts: 64,
  queryConcurrency: 16,
  searchMatchesPerWord: 5000,
} satisfies DynamoTableSettings;
