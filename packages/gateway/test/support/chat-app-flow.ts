/**
 * Test support: drives the chat fixture app (test/fixtures/apps/sam-chat, also
 * built as a CDK app) as its users would, with real WebSocket clients, and checks
 * its connections table through the real AWS SDK.
 */
import assert from 'node:assert/strict';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { connect, handshakeStatus, sleep, withTimeout } from './gateway-harness.ts';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Everything a user of the chat sees: the authorizer, the model, the two-way route, @connections and $disconnect. */
export async function exerciseChatApp(url: string, dynamodbEndpoint: string, table: string): Promise<void> {
  assert.equal(await handshakeStatus(url), 401, 'no token: refused before the authorizer runs');
  assert.equal(await handshakeStatus(url, { query: '?token=nobody' }), 401, 'the authorizer refuses a bad token');

  const alice = await connect(url, { query: '?token=user:alice' });
  const bob = await connect(url, { query: '?token=user:bob' });
  const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    const users = await scanUsers(dynamodb, table);
    assert.deepEqual(users, ['alice', 'bob'], '$connect stored each connection with its authorizer context');

    alice.send({ action: 'sendmessage', text: 'hello, room' });
    const received = [await alice.next(10_000), await alice.next(10_000)].map((frame) => JSON.parse(frame));
    assert.deepEqual(
      received.find((frame) => 'delivered' in frame),
      { delivered: 2 },
      'the route response answers the sender',
    );
    assert.deepEqual(
      received.find((frame) => 'text' in frame),
      { from: 'alice', text: 'hello, room' },
    );
    assert.deepEqual(JSON.parse(await bob.next(10_000)), { from: 'alice', text: 'hello, room' });

    alice.send({ action: 'sendmessage' });
    assert.match(await alice.next(), /^\{"message": "Invalid request body", "connectionId":"/, 'the model applies');

    await bob.close();
    await withTimeout(
      (async () => {
        while ((await scanUsers(dynamodb, table)).length !== 1) await sleep(100);
      })(),
      10_000,
      '$disconnect did not remove the connection',
    );
    await alice.close();
  } finally {
    dynamodb.destroy();
  }
}

async function scanUsers(dynamodb: DynamoDBClient, table: string): Promise<string[]> {
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
  return Items.map((item) => item.user?.S ?? '').sort();
}
