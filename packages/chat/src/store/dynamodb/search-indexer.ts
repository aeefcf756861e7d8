/**
 * Keeps the search index (search-index.ts) from the table's stream
 * (`NEW_AND_OLD_IMAGES`): on AWS a Lambda function consumes it
 * (lambda/search-indexer.ts), in tests the records come from DynamoDB Local's
 * stream through the DynamoDB Streams API. Both hand over records in the same
 * shape (`TableStreamRecord`).
 *
 * Only message items (`ROOM#<id>` / `MSG#<seq>`) matter; the CDK app filters
 * the others out before the function is invoked, and they are skipped here too.
 * The records of one batch are reduced per message to its first old image and
 * its last new image, so a message sent and edited within one batch is indexed
 * once, as it ended. Every write is an idempotent put or delete of a key the
 * images determine, so a batch retried whole (after a throttle, or split in
 * halves by the event source mapping) converges to the same index: DynamoDB
 * Streams deliver an item's records in order, and a retry starts again from the
 * batch's first record.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Key, keyOf, type MessageItem } from './items.ts';
import { type SearchIndexOptions, type SearchIndexWrite, searchIndexChanges } from './search-index.ts';
import { dynamoDbChatStoreDefaults } from './store-options.ts';
import { DynamoTable } from './table.ts';
import { MESSAGE_KEY_PREFIXES } from './table-design.ts';

/** A DynamoDB Streams record, as Lambda and the DynamoDB Streams API deliver it (the fields the indexer reads). */
export interface TableStreamRecord {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
  };
}

export class SearchIndexer {
  readonly #table: DynamoTable;
  readonly #options: SearchIndexOptions;

  /** The caller owns the client; `tableName` is the chat's table (the one whose stream is read). */
  constructor(client: DynamoDBDocumentClient, tableName: string, options: SearchIndexOptions = {}) {
    this.#table = new DynamoTable(client, tableName, dynamoDbChatStoreDefaults);
    this.#options = options;
  }

  /**
   * Applies a batch of stream records, in stream order; resolves to the number
   * of index items written or deleted. Rejects when a write fails after the
   * table's retries, and the whole batch should be delivered again.
   */
  async index(records: readonly TableStreamRecord[]): Promise<number> {
    const writes = searchIndexWrites(records, this.#options);
    await this.#table.batchWrite(writes);
    return writes.length;
  }
}

/** What happened to one message over a batch of records: its first old image and its last new image. */
export interface MessageChange {
  before: MessageItem | undefined;
  after: MessageItem | undefined;
}

/** The index writes of a batch of records (see the file comment). */
export function searchIndexWrites(
  records: readonly TableStreamRecord[],
  options: SearchIndexOptions = {},
): SearchIndexWrite[] {
  return messageChanges(records).flatMap(({ before, after }) => searchIndexChanges(before, after, options));
}

/** The message items a batch of records changed, each once, in the order of their first record. */
export function messageChanges(records: readonly TableStreamRecord[]): MessageChange[] {
  const messages = new Map<string, MessageChange>();
  for (const record of records) {
    const change = record.dynamodb;
    if (!change?.Keys || !isMessageKey(unmarshall(change.Keys))) continue;
    const key = keyOf(unmarshall(change.Keys) as Key);
    const after = change.NewImage && (unmarshall(change.NewImage) as MessageItem);
    const seen = messages.get(key);
    if (seen) seen.after = after;
    else messages.set(key, { before: change.OldImage && (unmarshall(change.OldImage) as MessageItem), after });
  }
  return [...messages.values()];
}

function isMessageKey(key: Record<string, unknown>): boolean {
  return (
    typeof key.pk === 'string' &&
    typeof key.sk === 'string' &&
    key.pk.startsWith(MESSAGE_KEY_PREFIXES.pk) &&
    key.sk.startsWith(MESSAGE_KEY_PREFIXES.sk)
  );
}
