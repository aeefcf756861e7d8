/**
 * Indexes the messages the search indexer never saw: those sent before it was
 * deployed, or before an OpenSearch collection existed, beyond the 24 hours a
 * table's stream keeps. It reads every message item of the table with a Scan
 * (an operator's one-off job, not a store access pattern: it reads, and bills,
 * the whole table once) and hands them to an indexer as stream records of
 * their current state, a page at a time. Indexing is idempotent, so running it
 * while the stream indexer runs, or twice, leaves the same index.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { TableStreamRecord } from './search-indexer.ts';
import { MESSAGE_KEY_PREFIXES } from './table-design.ts';

export interface SearchBackfillOptions {
  /** Items a Scan page reads (before the filter keeps the messages). @default 1000 */
  pageSize?: number;
  /** Called after each page, with the totals so far. @default nothing */
  progress?: (done: { scanned: number; messages: number; written: number }) => void;
}

/** Resolves to the totals: items scanned, messages found, index items (or documents) written. */
export async function backfillSearchIndex(
  client: DynamoDBClient,
  tableName: string,
  indexer: { index(records: readonly TableStreamRecord[]): Promise<number> },
  options: SearchBackfillOptions = {},
): Promise<{ scanned: number; messages: number; written: number }> {
  const totals = { scanned: 0, messages: 0, written: 0 };
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        Limit: options.pageSize ?? 1000,
        FilterExpression: 'begins_with(pk, :pk) AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': { S: MESSAGE_KEY_PREFIXES.pk }, ':sk': { S: MESSAGE_KEY_PREFIXES.sk } },
        ExclusiveStartKey,
      }),
    );
    const items = page.Items ?? [];
    totals.scanned += page.ScannedCount ?? 0;
    totals.messages += items.length;
    if (items.length > 0) {
      // As the stream shows a new item: no old image, so every word of its current text is written.
      totals.written += await indexer.index(
        items.map((item) => ({
          eventName: 'INSERT',
          dynamodb: { Keys: { pk: item.pk!, sk: item.sk! }, NewImage: item },
        })),
      );
    }
    options.progress?.({ ...totals });
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return totals;
}
