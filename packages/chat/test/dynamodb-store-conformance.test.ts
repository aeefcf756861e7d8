/**
 * The shared `ChatStore` conformance suite on the DynamoDB store, against AWS's
 * DynamoDB Local through the real AWS SDK (one table for the suite). Search
 * runs on the index the stream indexer writes: before each search, every record
 * of the table's real stream so far goes through the indexer, as Lambda's event
 * source mapping would deliver it.
 */
import { after } from 'node:test';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SearchHit } from '../src/domain/types.ts';
import type { SearchQuery } from '../src/ports/chat-store.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { SearchIndexer } from '../src/store/dynamodb/search-indexer.ts';
import { localClient, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { TableStream } from './dynamodb-stream.ts';
import { runStoreConformance } from './store-conformance.ts';

after(stopDynamoDbLocal);

/** A store whose searches first let the indexer catch up with the table's stream. */
class IndexedStore extends DynamoDbChatStore {
  readonly #catchUp: () => Promise<void>;

  constructor(doc: DynamoDBDocumentClient, table: string, catchUp: () => Promise<void>) {
    super(doc, table);
    this.#catchUp = catchUp;
  }

  override async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    await this.#catchUp();
    return super.searchMessages(query);
  }
}

let conformanceTable: Promise<string> | undefined;
runStoreConformance('DynamoDbChatStore', async () => {
  conformanceTable ??= newTable();
  const table = await conformanceTable;
  const client = await localClient();
  const doc = DynamoDBDocumentClient.from(client);
  const stream = await TableStream.open(client, table);
  const indexer = new SearchIndexer(doc, table);
  const store = new IndexedStore(doc, table, () => stream.drain((records) => indexer.index(records)));
  return {
    store,
    close: async () => {
      stream.close();
      client.destroy();
    },
  };
});
