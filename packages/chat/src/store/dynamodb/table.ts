/**
 * The DynamoDB store's access to its one table: reads (strongly consistent on
 * the table), paged queries and counts, batch reads with retries of unprocessed
 * keys, transactions that report why they were cancelled, and the error rule of
 * every public method (`run`). The concept files (users, counters, rooms,
 * messages, connections) share one `DynamoTable`.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ChatError } from '../../domain/errors.ts';
import type { Key } from './items.ts';
import type { DynamoTableSettings } from './store-options.ts';
import { GSI1 } from './table-design.ts';

export type Transaction = NonNullable<TransactWriteCommandInput['TransactItems']>;
export type TransactionItem = Transaction[number];
export type QueryInput = Omit<QueryCommandInput, 'TableName'>;
export type UpdateInput = Omit<UpdateCommandInput, 'TableName'> &
  Required<Pick<UpdateCommandInput, 'ConditionExpression'>>;

export class DynamoTable {
  /** The document client, for single-item writes (`UpdateCommand`, `PutCommand`, ...). */
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
  readonly settings: DynamoTableSettings;

  constructor(doc: DynamoDBDocumentClient, name: string, settings: DynamoTableSettings) {
    this.doc = doc;
    this.name = name;
    this.settings = settings;
  }

  /** Runs a public method: ChatErrors pass through, every other failure becomes STORE_UNAVAILABLE. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ChatError) throw error;
      throw new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
    }
  }

  async get<T>(key: Key): Promise<(T & Key) | undefined> {
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return Item as (T & Key) | undefined;
  }

  /**
   * Reads items by key (100 per request, unprocessed keys retried), in no
   * particular order: strongly consistent and whole unless `options` say otherwise.
   */
  async batchGet<T>(
    wanted: Key[],
    options: {
      /** Eventually consistent reads cost half as much. @default true */
      consistent?: boolean;
      /** Only these attributes (the keys are not added). @default every attribute */
      attributes?: readonly string[];
    } = {},
  ): Promise<Array<T & Key>> {
    const { consistent = true, attributes } = options;
    const projection = attributes && {
      ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
    };
    const found: Array<T & Key> = [];
    for (let start = 0; start < wanted.length; start += 100) {
      let Keys: Array<Record<string, unknown>> = wanted.slice(start, start + 100);
      for (let attempt = 1; Keys.length > 0; attempt++) {
        if (attempt > this.settings.maxWriteAttempts) throw contended();
        if (attempt > 1) await backoff(attempt);
        const { Responses, UnprocessedKeys } = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys, ConsistentRead: consistent, ...projection } } }),
        );
        found.push(...((Responses?.[this.name] ?? []) as Array<T & Key>));
        Keys = UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /**
   * Puts and deletes items, 25 per request (unprocessed ones retried with
   * backoff), `queryConcurrency` requests at a time. Not atomic: for derived items
   * (indexes) whose writers tolerate a partial failure.
   */
  async batchWrite(writes: Array<{ put: Record<string, unknown> } | { delete: Key }>): Promise<void> {
    const chunks: Array<typeof writes> = [];
    for (let start = 0; start < writes.length; start += 25) chunks.push(writes.slice(start, start + 25));
    await mapLimit(chunks, this.settings.queryConcurrency, async (chunk) => {
      let requests: Array<Record<string, unknown>> = chunk.map((write) =>
        'put' in write ? { PutRequest: { Item: write.put } } : { DeleteRequest: { Key: write.delete } },
      );
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > this.settings.maxWriteAttempts) throw contended();
        if (attempt > 1) await backoff(attempt);
        const { UnprocessedItems } = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.name]: requests as never } }),
        );
        requests = (UnprocessedItems?.[this.name] ?? []) as Array<Record<string, unknown>>;
      }
    });
  }

  /**
   * Up to `max` items of a query (all by default), following pages. Table
   * queries read strongly consistent unless the input says `ConsistentRead: false`.
   */
  async query<T>(input: QueryInput, max = Number.POSITIVE_INFINITY): Promise<Array<T & Key>> {
    const items: Array<T & Key> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const remaining = max - items.length;
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.name,
          ConsistentRead: input.IndexName === undefined && input.ConsistentRead !== false,
          ExclusiveStartKey,
          ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Array<T & Key>));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items;
  }

  async count(input: QueryInput): Promise<number> {
    let count = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.name,
          ConsistentRead: true,
          Select: 'COUNT',
          ExclusiveStartKey,
        }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }

  /** Applies a conditional update; resolves to false, writing nothing, when its condition does not hold. */
  async updateIfHeld(input: UpdateInput): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.name, ...input }));
      return true;
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      return false;
    }
  }

  /** Commits the items; resolves to `undefined`, or to the cancellation reason codes (one per item). */
  async transact(items: Transaction): Promise<string[] | undefined> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons) {
        return error.CancellationReasons.map((reason) => reason.Code ?? 'None');
      }
      throw error;
    }
  }

  put(item: Record<string, unknown>, condition?: string): TransactionItem {
    return { Put: { TableName: this.name, Item: item, ...(condition ? { ConditionExpression: condition } : {}) } };
  }

  delete(key: Key, condition?: string): TransactionItem {
    return { Delete: { TableName: this.name, Key: key, ...(condition ? { ConditionExpression: condition } : {}) } };
  }
}

/**
 * A query of one gsi1 partition from just after the sort key `after` (from its
 * start when absent: DynamoDB refuses an empty string as a key value).
 */
export function gsi1From(partition: string, after: string | undefined): QueryInput {
  return after
    ? {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :partition AND gsi1sk > :after',
        ExpressionAttributeValues: { ':partition': partition, ':after': after },
      }
    : {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': partition },
      };
}

export function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A cancelled transaction that no condition explains: a throttle, a validation or a service fault. */
export function cancelled(reasons: string[]): ChatError {
  return new ChatError('STORE_UNAVAILABLE', undefined, {
    cause: new Error(`DynamoDB cancelled the transaction: ${reasons.join(', ')}`),
  });
}

export function contended(): ChatError {
  return new ChatError('STORE_UNAVAILABLE', undefined, {
    cause: new Error('Too many concurrent writers: the write lost every attempt.'),
  });
}

/** Full-jitter exponential backoff: up to 4 ms, doubling, capped at 100 ms. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 4 * 2 ** Math.min(attempt, 10));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** Maps with at most `limit` calls in flight, keeping the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
