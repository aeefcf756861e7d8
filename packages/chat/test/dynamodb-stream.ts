/**
 * Reads a DynamoDB Local table's stream through the DynamoDB Streams API, as
 * Lambda's event source mapping reads it on AWS: every shard from its start
 * (`TRIM_HORIZON`), then onwards from where the last read ended. `drain` hands
 * every record written so far to a consumer, shard by shard, in stream order.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { TableStreamRecord } from '../src/store/dynamodb/search-indexer.ts';
import { dynamoDbLocalEndpoint, localCredentials } from './dynamodb-local.ts';

/** GetRecords calls per shard and drain: far more than a test writes, so a stream that never ends fails the test. */
const MAX_READS_PER_SHARD = 10_000;

export class TableStream {
  readonly #client: DynamoDBStreamsClient;
  readonly #streamArn: string;
  /** The next iterator of each shard seen; `null` once a closed shard is read to its end. */
  readonly #iterators = new Map<string, string | null>();
  #draining: Promise<void> = Promise.resolve();

  private constructor(client: DynamoDBStreamsClient, streamArn: string) {
    this.#client = client;
    this.#streamArn = streamArn;
  }

  /** The stream of `tableName` (created with a stream, as `createTable` does). */
  static async open(tables: DynamoDBClient, tableName: string): Promise<TableStream> {
    const { Table } = await tables.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn) throw new Error(`Table ${tableName} has no stream.`);
    const client = new DynamoDBStreamsClient({
      endpoint: await dynamoDbLocalEndpoint(),
      region: 'us-east-1',
      credentials: localCredentials,
    });
    return new TableStream(client, Table.LatestStreamArn);
  }

  /** Hands every record written since the last drain to `consume`, a shard's records at a time; one drain at a time. */
  drain(consume: (records: TableStreamRecord[]) => Promise<unknown>): Promise<void> {
    const run = this.#draining.then(() => this.#drainOnce(consume));
    this.#draining = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.#client.destroy();
  }

  async #drainOnce(consume: (records: TableStreamRecord[]) => Promise<unknown>): Promise<void> {
    const { StreamDescription } = await this.#client.send(new DescribeStreamCommand({ StreamArn: this.#streamArn }));
    // Parents before children: a shard's records follow its parent's.
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId!;
      const saved = this.#iterators.get(shardId);
      if (saved === null) continue;
      let iterator: string =
        saved ??
        (
          await this.#client.send(
            new GetShardIteratorCommand({
              StreamArn: this.#streamArn,
              ShardId: shardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          )
        ).ShardIterator!;
      for (let reads = 1; ; reads++) {
        if (reads > MAX_READS_PER_SHARD)
          throw new Error(`Shard ${shardId} did not end after ${MAX_READS_PER_SHARD} reads.`);
        const { Records = [], NextShardIterator } = await this.#client.send(
          new GetRecordsCommand({ ShardIterator: iterator }),
        );
        if (Records.length > 0) await consume(Records.map(toTableStreamRecord));
        // A closed shard read to its end has no next iterator; an open one answers empty when caught up.
        this.#iterators.set(shardId, NextShardIterator ?? null);
        if (!NextShardIterator || Records.length === 0) break;
        iterator = NextShardIterator;
      }
    }
  }
}

/** The Streams API's record has the shape Lambda delivers; only its attribute value type is its own. */
function toTableStreamRecord(record: _Record): TableStreamRecord {
  return record as TableStreamRecord;
}
