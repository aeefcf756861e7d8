/**
 * The chat's search index on AWS without a monthly floor: the table's stream
 * (`NEW_AND_OLD_IMAGES`) invokes the search indexer function, which writes one
 * item per word of each message into the same table (the chat's
 * store/dynamodb/search-index.ts); the search functions query those items.
 * Nothing runs or is billed while nobody writes.
 *
 * The event source mapping:
 * - filters the stream to message items (`ROOM#` / `MSG#` keys), so the writes
 *   of connections, read markers and the index itself never invoke the function
 *   (filtered records are not billed);
 * - hands over up to 100 records at a time, as soon as they arrive;
 * - on an error splits the batch in halves and retries, up to 10 times, for
 *   records up to a day old (the indexer's writes are idempotent, so a retried
 *   batch converges);
 * - sends what still fails (a description of the batch: shard and sequence
 *   numbers, not the messages) to an encrypted queue kept 14 days, which has an
 *   alarm (chat-monitoring.ts), as has the stream's lag (iterator age).
 */
import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ChatFunction, ChatFunctionProps } from './chat-function.ts';
import { MESSAGE_KEY_PREFIXES } from './chat-sources.ts';
import { acknowledge, wildcardResourceFinding } from './compliance.ts';

export interface SearchIndexingProps {
  table: Table;
  /** The function of the chat's `lambdaEntryPoints.searchIndexer`. */
  indexer: ChatFunction;
}

/** How the indexer function runs, in every stack that indexes a table. */
export const searchIndexerFunctionProps = {
  // A batch of 100 edits of long messages is up to 20,000 index writes, 16 requests of 25 at a time.
  timeout: Duration.seconds(60),
  invokedBy: "The table stream's event source mapping",
  noDeadLetterQueueReason:
    "The table stream's event source mapping invokes the function synchronously and sends batches that fail every retry to its own on-failure queue (search-indexing.ts); a function DLQ only keeps asynchronous invocations.",
} as const satisfies Partial<ChatFunctionProps>;

/** The event source mapping's settings (see the file comment). */
export const searchIndexingSettings = {
  batchSize: 100,
  retryAttempts: 10,
  maxRecordAge: Duration.days(1),
  failedBatchRetention: Duration.days(14),
} as const;

export class SearchIndexing extends Construct {
  /** Where descriptions of batches that failed every retry go. */
  readonly failedBatches: Queue;

  constructor(scope: Construct, id: string, props: SearchIndexingProps) {
    super(scope, id);
    this.failedBatches = new Queue(this, 'FailedBatches', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: searchIndexingSettings.failedBatchRetention,
    });
    acknowledge(
      this.failedBatches,
      'AwsSolutions-SQS3',
      "This queue is the on-failure destination of the search indexer's stream mapping (a dead-letter queue in all but name), which cdk-nag does not recognise as one.",
    );
    acknowledge(
      this.failedBatches,
      'Serverless-SQSRedrivePolicy',
      'This queue is itself where failed batches end; nothing consumes it, so nothing could fail to redrive from it. An operator reads it after its alarm.',
    );
    props.indexer.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: searchIndexingSettings.batchSize,
        bisectBatchOnError: true,
        retryAttempts: searchIndexingSettings.retryAttempts,
        maxRecordAge: searchIndexingSettings.maxRecordAge,
        onFailure: new SqsDlq(this.failedBatches),
        filters: [
          FilterCriteria.filter({
            dynamodb: {
              Keys: {
                pk: { S: FilterRule.beginsWith(MESSAGE_KEY_PREFIXES.pk) },
                sk: { S: FilterRule.beginsWith(MESSAGE_KEY_PREFIXES.sk) },
              },
            },
          }),
        ],
      }),
    );
    acknowledge(
      props.indexer.role!,
      wildcardResourceFinding(props.indexer, '*'),
      'dynamodb:ListStreams (added by the stream event source) supports no resource-level permissions; the stream reads themselves are limited to this table.',
    );
  }
}
