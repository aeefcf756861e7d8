/**
 * Keeps the message documents (message-documents.ts) of an OpenSearch
 * Serverless collection from the table's stream, in place of the table's word
 * index: the same stream records, reduced the same way per message
 * (dynamodb/search-indexer.ts), become one `_bulk` request per batch. The index
 * is created with its mapping on first use. Indexing and deleting by id are
 * idempotent, so a retried batch converges; a document OpenSearch refuses
 * fails the batch (deleting a document that is already gone does not).
 */
import { messageChanges, type TableStreamRecord } from '../dynamodb/search-indexer.ts';
import { bulkRequest, MESSAGES_INDEX, messagesIndexBody } from './message-documents.ts';
import { type OpenSearchClient, OpenSearchError } from './opensearch-client.ts';

interface BulkAnswer {
  errors: boolean;
  items: Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>>;
}

export class OpenSearchIndexer {
  readonly #client: OpenSearchClient;
  #indexReady: Promise<void> | undefined;

  constructor(client: OpenSearchClient) {
    this.#client = client;
  }

  /** Applies a batch of stream records; resolves to the number of documents indexed or deleted. */
  async index(records: readonly TableStreamRecord[]): Promise<number> {
    const body = bulkRequest(messageChanges(records));
    if (!body) return 0;
    await this.#ensureIndex();
    const answer = await this.#client.request<BulkAnswer>('POST', '/_bulk', body);
    const refused = answer.items.flatMap((item) =>
      Object.entries(item).filter(
        ([action, result]) => result.status >= 300 && !(action === 'delete' && result.status === 404),
      ),
    );
    if (refused.length > 0) {
      const [action, result] = refused[0]!;
      throw new OpenSearchError(
        result.status,
        result.error?.type,
        `${refused.length} of ${answer.items.length} bulk actions refused, first ${action}: ${result.error?.reason ?? ''}`,
      );
    }
    return answer.items.length;
  }

  /** Creates the index once per container; one that exists already is fine. */
  #ensureIndex(): Promise<void> {
    this.#indexReady ??= this.#client.request('PUT', `/${MESSAGES_INDEX}`, JSON.stringify(messagesIndexBody)).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof OpenSearchError && error.type === 'resource_already_exists_exception') return;
        this.#indexReady = undefined;
        throw error;
      },
    );
    return this.#indexReady;
  }
}
