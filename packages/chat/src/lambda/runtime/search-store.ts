/**
 * The store of the functions that search (the `search` route and the HTTP
 * API's): the table's store, whose searches read the word index in the table,
 * or, when `OPENSEARCH_ENDPOINT` names an OpenSearch Serverless collection (the
 * CDK app's `searchEngine=opensearch`), the collection. Only these functions
 * and the search indexer load the OpenSearch client.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbChatStore } from '../../store/dynamodb/dynamodb-chat-store.ts';
import { OpenSearchCandidates } from '../../store/opensearch/opensearch-candidates.ts';
import { OpenSearchClient } from '../../store/opensearch/opensearch-client.ts';
import { LambdaEnvironment, requiredVariable } from '../environment.ts';
import { dynamoDbClient, tableStore } from './table-store.ts';

let client: OpenSearchClient | undefined;
let store: DynamoDbChatStore | undefined;

/** The collection's client (signed with the function's role), or `undefined` when search uses the table. */
export function openSearchClient(): OpenSearchClient | undefined {
  const endpoint = process.env[LambdaEnvironment.searchEndpoint];
  if (!endpoint) return undefined;
  client ??= new OpenSearchClient({ endpoint, region: requiredVariable('AWS_REGION') });
  return client;
}

/** The store whose searches use this deployment's search engine, built at first use. */
export function searchStore(): DynamoDbChatStore {
  const collection = openSearchClient();
  if (!collection) return tableStore();
  store ??= new DynamoDbChatStore(
    DynamoDBDocumentClient.from(dynamoDbClient),
    requiredVariable(LambdaEnvironment.tableName),
    { searchEngine: new OpenSearchCandidates(collection) },
  );
  return store;
}
