/**
 * An `AWS` integration to Kinesis `PutRecord` (spec 7) against a running Kinesis
 * implementation, kinesalite (in-process, in memory), with real `ws` clients and the
 * real AWS SDK creating the stream and reading the records back: the JSON 1.1 shape the
 * gateway builds is accepted by a service that validates it, and the service's answers
 * (a sequence number, a 400 for a missing stream) go through the integration responses.
 *
 * kinesalite checks that a request carries a SigV4 Authorization header with its
 * Credential, SignedHeaders and Signature parts and an X-Amz-Date, but not that the
 * signature is right: test/integrations/aws-service.test.ts verifies signatures.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { GatewayDefinition } from '../../src/definition.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

/** kinesalite's options used here (it ships no types). */
interface KinesaliteOptions {
  /** How long a new stream stays CREATING. @default 500 */
  createStreamMs?: number;
}
const kinesalite = createRequire(import.meta.url)('kinesalite') as (options: KinesaliteOptions) => Server;

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'eu-west-1';
const stream = 'chat-events';

let server: Server;
let endpoint: string;
let kinesis: KinesisClient;

before(async () => {
  // No `path` option: kinesalite keeps its data in memory (memdown), nothing native.
  server = kinesalite({ createStreamMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // HTTP/1.1: the SDK's Kinesis client speaks HTTP/2 by default (for SubscribeToShard),
  // which kinesalite does not. A copy of the credentials: the SDK marks the object it is given.
  kinesis = new KinesisClient({
    endpoint,
    region,
    credentials: { ...credentials },
    maxAttempts: 5,
    requestHandler: new NodeHttpHandler(),
  });
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: stream });
});

after(async () => {
  kinesis?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** One two-way route: the message goes to the stream it names, keyed by the connection. */
function definition(): GatewayDefinition {
  return {
    region,
    awsServices: { endpoints: { kinesis: endpoint }, credentials },
    routes: {
      track: {
        routeResponse: true,
        integration: {
          type: 'AWS',
          uri: `arn:aws:apigateway:${region}:kinesis:action/PutRecord`,
          requestTemplates: {
            $default: `{
  "StreamName": "$util.escapeJavaScript($input.path('$.stream'))",
  "Data": "$util.base64Encode($input.body)",
  "PartitionKey": "$context.connectionId"
}`,
          },
          responses: {
            '/2\\d\\d/': {
              template: `{"connectionId":"$context.connectionId","shardId":"$input.path('$.ShardId')","sequenceNumber":"$input.path('$.SequenceNumber')"}`,
            },
            $default: { template: `{"error":"$input.path('$.__type')"}` },
          },
        },
      },
    },
  };
}

interface Receipt {
  connectionId: string;
  shardId: string;
  sequenceNumber: string;
}

describe('conformance: AWS integration to Kinesis (kinesalite)', () => {
  it('puts each message as a record keyed by the connection, and answers with its sequence number', async () => {
    const { url } = await startGateway(definition());
    const ada = await connect(url);
    const bob = await connect(url);

    const sent = [
      { client: ada, message: { action: 'track', stream, event: 'joined', room: 'lobby' } },
      { client: bob, message: { action: 'track', stream, event: 'said', text: 'héllo "there"' } },
      { client: ada, message: { action: 'track', stream, event: 'left' } },
    ];
    const receipts: Receipt[] = [];
    for (const { client, message } of sent) {
      client.send(message);
      receipts.push(JSON.parse(await client.next(10_000)) as Receipt);
    }

    const [first, second, third] = receipts as [Receipt, Receipt, Receipt];
    assert.equal(first.connectionId, third.connectionId);
    assert.notEqual(first.connectionId, second.connectionId);
    for (const receipt of receipts) {
      assert.equal(receipt.shardId, 'shardId-000000000000');
      assert.match(receipt.sequenceNumber, /^\d+$/);
    }
    // Kinesis sequence numbers grow within a shard (numbers too long for a double).
    assert.ok(BigInt(first.sequenceNumber) < BigInt(second.sequenceNumber));
    assert.ok(BigInt(second.sequenceNumber) < BigInt(third.sequenceNumber));

    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: first.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: first.sequenceNumber,
      }),
    );
    const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10 }));
    assert.deepEqual(
      Records.map((record) => ({
        sequenceNumber: record.SequenceNumber,
        partitionKey: record.PartitionKey,
        message: JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')),
      })),
      sent.map(({ message }, index) => ({
        sequenceNumber: receipts[index]?.sequenceNumber,
        partitionKey: receipts[index]?.connectionId,
        message,
      })),
    );
    await ada.close();
    await bob.close();
  });

  it("answers a missing stream with Kinesis's error through the $default integration response", async () => {
    const { url } = await startGateway(definition());
    const client = await connect(url);
    client.send({ action: 'track', stream: 'no-such-stream', event: 'lost' });
    assert.deepEqual(JSON.parse(await client.next(10_000)), { error: 'ResourceNotFoundException' });
    await client.close();
  });
});
