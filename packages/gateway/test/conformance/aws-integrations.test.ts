/**
 * AWS service integrations end to end (spec 7): the fixture API keeps its connection
 * records in DynamoDB with no function at all ($connect PutItem with a TTL computed in
 * VTL, $disconnect DeleteItem, UpdateItem and Query routes), proven against DynamoDB
 * Local with real `ws` clients and the real AWS SDK reading the table. SQS (query
 * protocol) and Step Functions (JSON protocol) calls go to a local recorder that
 * checks their SigV4 signatures with the SDK's signer and answers as the service would;
 * it records shapes, it is not an emulator.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../src/app-definition/local-services/dynamodb-local.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import type { GatewayDefinition } from '../../src/definition.ts';
import { startAwsRecorder } from '../support/aws-recorder.ts';
import { connect, handshakeStatus, startGateway, type TestClient } from '../support/gateway-harness.ts';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'aws-integrations', 'switchboard.yaml');
/** DynamoDB Local without `-sharedDb` keeps a database per key and region: use one pair throughout. */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

let endpoint: string;
let dynamodb: DynamoDBClient;
let stopLocal: (() => Promise<void>) | undefined;

before(async () => {
  const shared = process.env.TEST_DYNAMODB_ENDPOINT;
  if (shared) {
    endpoint = shared;
  } else {
    const local = await startDynamoDbLocal({ dataDir: undefined, projectDir: process.cwd(), ready: async () => {} });
    endpoint = local.endpoint;
    stopLocal = () => local.close();
  }
  // A copy: the SDK marks the object it is given (`$source`).
  dynamodb = new DynamoDBClient({ endpoint, region, credentials: { ...credentials }, maxAttempts: 20 });
});

after(async () => {
  dynamodb?.destroy();
  await stopLocal?.();
});

async function newConnectionsTable(): Promise<string> {
  const name = `connections-${randomUUID()}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'connectionId', AttributeType: 'S' },
        { AttributeName: 'room', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byRoom',
          KeySchema: [{ AttributeName: 'room', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return name;
}

/** The fixture, pointed at this run's DynamoDB Local, a fresh table and the recorder. */
async function fixtureDefinition(table: string, recorderUrl: string): Promise<GatewayDefinition> {
  const { definition } = await loadConfigFile(fixture);
  return {
    ...definition,
    stageVariables: { ...definition.stageVariables, table },
    awsServices: { endpoints: { dynamodb: endpoint, sqs: recorderUrl, states: recorderUrl }, credentials },
  };
}

async function item(table: string, connectionId: string) {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: table, Key: { connectionId: { S: connectionId } }, ConsistentRead: true }),
  );
  return Item;
}

/** Asks the `who` route, which answers from a Query, for its own connection id among the members. */
async function ask(client: TestClient, message: object): Promise<Record<string, unknown>> {
  client.send(message);
  return JSON.parse(await client.next(5000));
}

describe('conformance: AWS service integrations', () => {
  it('writes, updates, queries and deletes connection items in DynamoDB with no function', async () => {
    const table = await newConnectionsTable();
    const recorder = await startAwsRecorder(credentials, () => ({ contentType: 'text/plain', body: '' }));
    const { url } = await startGateway(await fixtureDefinition(table, recorder.url));

    const before = Math.floor(Date.now() / 1000);
    const ada = await connect(url, { query: '?nick=Ada%20L.' });
    const after = Math.floor(Date.now() / 1000);
    const bob = await connect(url);

    const members = await ask(ada, { action: 'who', room: 'lobby' });
    assert.equal(members.count, 2);
    const ids = (members.members as string[]).filter((member) => member !== 'Ada L.');
    assert.equal(ids.length, 1, JSON.stringify(members));
    const bobId = ids[0] as string;
    assert.match(bobId, /^[A-Za-z0-9_-]{15}=$/);

    const bobItem = await item(table, bobId);
    assert.equal(bobItem?.room?.S, 'lobby');
    assert.equal(bobItem?.nickname, undefined);
    const expiresAt = Number(bobItem?.expiresAt?.N);
    assert.ok(expiresAt >= before + 86400 && expiresAt <= after + 86400 + 5, String(expiresAt));
    assert.ok(Number(bobItem?.connectedAt?.N) >= before * 1000);

    // A failed condition is a 400 from DynamoDB: the /4\d\d/ integration response answers it.
    assert.deepEqual(await ask(bob, { action: 'rename', nickname: 'Bobby' }), {
      renamed: false,
      reason: 'ConditionalCheckFailedException',
    });
    assert.deepEqual(await ask(ada, { action: 'rename', nickname: 'Ada "the first"' }), { renamed: true });

    assert.deepEqual(await ask(bob, { action: 'join', room: 'garden' }), { joined: 'garden' });
    assert.equal((await item(table, bobId))?.room?.S, 'garden');
    assert.deepEqual(await ask(ada, { action: 'who', room: 'lobby' }), { count: 1, members: ['Ada "the first"'] });

    await bob.close();
    // $disconnect runs after the socket is gone: wait for its DeleteItem, bounded.
    for (let attempt = 0; (await item(table, bobId)) !== undefined; attempt++) {
      assert.ok(attempt < 100, 'the $disconnect DeleteItem did not happen within 10 s');
      await delay(100);
    }
    await ada.close();
  });

  it('refuses the handshake with the status DynamoDB gave when $connect cannot write', async () => {
    const recorder = await startAwsRecorder(credentials, () => ({ contentType: 'text/plain', body: '' }));
    const { url } = await startGateway(await fixtureDefinition(`missing-${randomUUID()}`, recorder.url));
    // ResourceNotFoundException is a 400.
    assert.equal(await handshakeStatus(url), 400);
  });

  it('sends SQS SendMessage in the query protocol and Step Functions StartExecution in the JSON protocol, signed', async () => {
    const table = await newConnectionsTable();
    const recorder = await startAwsRecorder(credentials, (call) =>
      call.scope.service === 'states'
        ? {
            contentType: 'application/x-amz-json-1.0',
            body: JSON.stringify({
              executionArn: 'arn:aws:states:us-east-1:000000000000:execution:moderate:run-1',
              startDate: 1.7e9,
            }),
          }
        : {
            contentType: 'text/xml',
            body: '<SendMessageResponse><SendMessageResult><MessageId>m-1</MessageId></SendMessageResult></SendMessageResponse>',
          },
    );
    const { url } = await startGateway(await fixtureDefinition(table, recorder.url));
    const client = await connect(url);

    client.send({ action: 'report', text: 'spam & eggs' });
    const sqs = await recorder.calls.nth(1, 5000);
    assert.equal(sqs.method, 'POST');
    assert.equal(sqs.path, '/');
    assert.equal(sqs.query.get('Action'), 'SendMessage');
    assert.equal(sqs.query.get('Version'), '2012-11-05');
    assert.equal(sqs.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
    assert.deepEqual(sqs.scope, { service: 'sqs', region, accessKeyId: credentials.accessKeyId });
    assert.equal(sqs.signatureValid, true);
    const form = new URLSearchParams(sqs.body);
    assert.equal(form.get('QueueUrl'), 'http://sqs.local/000000000000/lobby-events');
    assert.equal(form.get('MessageBody'), '{"action":"report","text":"spam & eggs"}');
    assert.match(form.get('MessageAttribute.1.Value.StringValue') ?? '', /^[A-Za-z0-9_-]{15}=$/);
    // A one-way route: the recorder's answer is not sent back.
    assert.equal(await client.silentFor(200), true);

    assert.deepEqual(await ask(client, { action: 'moderate', text: 'is "this" ok?' }), {
      execution: 'arn:aws:states:us-east-1:000000000000:execution:moderate:run-1',
    });
    const states = await recorder.calls.nth(2, 5000);
    assert.equal(states.headers['x-amz-target'], 'AWSStepFunctions.StartExecution');
    assert.equal(states.headers['content-type'], 'application/x-amz-json-1.0');
    assert.equal(states.scope.service, 'states');
    assert.equal(states.signatureValid, true);
    const started = JSON.parse(states.body);
    assert.equal(started.stateMachineArn, 'arn:aws:states:us-east-1:000000000000:stateMachine:moderate');
    assert.equal(started.input, '"is \\"this\\" ok?"');
    assert.match(started.name, /^[A-Za-z0-9_-]+$/);
    await client.close();
  });
});
