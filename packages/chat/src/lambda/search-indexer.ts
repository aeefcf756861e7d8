/**
 * The search indexer on AWS Lambda: the table's stream (an event source mapping
 * the CDK app creates, filtered to message items) invokes it with batches of
 * records, and it writes the search index: the word items in the table
 * (store/dynamodb/search-indexer.ts), or, when `OPENSEARCH_ENDPOINT` is set, the
 * OpenSearch collection's documents (store/opensearch/opensearch-indexer.ts).
 * A failed batch rejects, so Lambda delivers it again (split in halves on
 * error) and, after its retries, sends the batch's description to the
 * mapping's on-failure queue. Its metric counts the index items (or documents) written.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SearchIndexer, type TableStreamRecord } from '../store/dynamodb/search-indexer.ts';
import { OpenSearchIndexer } from '../store/opensearch/opensearch-indexer.ts';
import { LambdaEnvironment, requiredVariable } from './environment.ts';
import { ChatMetrics } from './metric-names.ts';
import { instrumented, metrics } from './runtime/observability.ts';
import { openSearchClient } from './runtime/search-store.ts';
import { dynamoDbClient } from './runtime/table-store.ts';

/** The event a DynamoDB Streams event source mapping invokes a function with. */
export interface TableStreamEvent {
  Records: TableStreamRecord[];
}

let indexer: { index(records: readonly TableStreamRecord[]): Promise<number> } | undefined;

export const handler = instrumented('searchIndexer', async (event: TableStreamEvent): Promise<void> => {
  if (!indexer) {
    const collection = openSearchClient();
    indexer = collection
      ? new OpenSearchIndexer(collection)
      : new SearchIndexer(DynamoDBDocumentClient.from(dynamoDbClient), requiredVariable(LambdaEnvironment.tableName));
  }
  const written = await indexer.index(event.Records);
  metrics.addMetric(ChatMetrics.searchIndexWrites, 'Count', written);
});
