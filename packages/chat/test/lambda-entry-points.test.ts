/**
 * The chat's Lambda entry points (src/lambda/) as AWS runs them: module-scope
 * clients built from the environment, the DynamoDB store on AWS's DynamoDB
 * Local, and broadcasts through the real AWS SDK to a Switchboard gateway's
 * `@connections` API at `https://${domainName}/${stage}` (the gateway's local
 * TLS; scripts/test.mjs sets NODE_EXTRA_CA_CERTS). The gateway runs the same
 * entry modules for the authorizer, `$connect` and `$disconnect`; the test
 * invokes `sendMessage` directly with an API Gateway-shaped event, and the
 * search indexer with the records of the table's stream on DynamoDB Local.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createGateway, type Gateway } from '@switchboard/gateway';
import { type ChatRouteKey, chatApiDefinition, chatRouteKeys } from '../src/api/definition.ts';
import type { Session } from '../src/domain/types.ts';
import { lambdaEntryPoints } from '../src/lambda/entry-points.ts';
import { LambdaEnvironment } from '../src/lambda/environment.ts';
import type { HttpApiEvent, HttpApiResult, WebSocketLambdaEvent } from '../src/lambda/lambda-events.ts';
import type { TableStreamEvent } from '../src/lambda/search-indexer.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { ChatClient, type Frame, WAIT_MS } from './chat-test-client.ts';
import { dynamoDbLocalEndpoint, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { TableStream } from './dynamodb-stream.ts';
import { setLambdaEnvironment } from './lambda-environment.ts';

const CONCURRENCY = 3;

type EntryHandler<E, R> = (event: E, context: object) => Promise<R>;

async function entryHandler<E, R>(path: string): Promise<EntryHandler<E, R>> {
  const module = (await import(path)) as { handler?: EntryHandler<E, R> };
  assert.equal(typeof module.handler, 'function', `${path} exports handler`);
  return module.handler!;
}

describe('Lambda entry points', () => {
  let gateway: Gateway;
  let port: number;
  let managementPort: number;
  let store: DynamoDbChatStore;
  let storeClient: DynamoDBClient;
  let stream: TableStream;
  let httpApi: EntryHandler<HttpApiEvent, HttpApiResult>;
  let sendMessage: EntryHandler<WebSocketLambdaEvent, { statusCode: number; body?: string }>;
  const clients: ChatClient[] = [];

  before(async () => {
    const endpoint = await dynamoDbLocalEndpoint();
    const table = await newTable();
    // What the CDK app and Lambda give each function.
    setLambdaEnvironment(endpoint, table);
    process.env[LambdaEnvironment.postConcurrency] = String(CONCURRENCY);
    storeClient = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials });
    store = new DynamoDbChatStore(DynamoDBDocumentClient.from(storeClient), table);
    stream = await TableStream.open(storeClient, table);

    const routes = Object.fromEntries(
      await Promise.all(chatRouteKeys.map(async (key) => [key, await entryHandler(lambdaEntryPoints.routes[key])])),
    ) as Record<ChatRouteKey, EntryHandler<never, never>>;
    gateway = await createGateway(
      chatApiDefinition({ authorizer: await entryHandler(lambdaEntryPoints.authorizer), routes }) as never,
      { port: 0, logger: false },
    );
    ({ port, managementPort } = await gateway.listen());
    process.env[LambdaEnvironment.connectionsUrl] = `https://localhost:${managementPort}/ws`;
    httpApi = await entryHandler(lambdaEntryPoints.httpApi);
    sendMessage = routes.sendMessage as never;
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await gateway?.close();
    stream?.close();
    storeClient?.destroy();
    await stopDynamoDbLocal();
  });

  // Each request from its own address, as many people would: the per-address limits are tested elsewhere.
  let addresses = 0;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    httpApi(
      {
        version: '2.0',
        rawPath: path,
        headers: { 'content-type': 'application/json', ...headers },
        body: Buffer.from(JSON.stringify(body)).toString('base64'),
        isBase64Encoded: true,
        requestContext: { http: { method: 'POST', sourceIp: `198.51.100.${++addresses % 250}` } },
      },
      {},
    );

  async function guest(): Promise<Session> {
    const response = await post('/api/guest', {});
    assert.equal(response.statusCode, 201, response.body);
    return JSON.parse(response.body) as Session;
  }

  async function connect(session: Session): Promise<{ client: ChatClient; connectionId: string }> {
    const before = new Set((await store.listUserConnections(session.user.id)).map((c) => c.connectionId));
    const client = await ChatClient.connect(`ws://127.0.0.1:${port}/ws`, session.token);
    clients.push(client);
    const added = (await store.listUserConnections(session.user.id)).find((c) => !before.has(c.connectionId));
    assert.ok(added, 'the $connect function recorded the connection');
    return { client, connectionId: added.connectionId };
  }

  it('sendMessage posts to every member through @connections, a bounded number at a time, and forgets a gone client', async () => {
    const sender = await guest();
    const members = await Promise.all(Array.from({ length: 5 }, () => guest()));
    const general = (await store.listUserRooms(sender.user.id, { limit: 1000 }))[0]!.room;
    const { connectionId: senderConnection, client: senderClient } = await connect(sender);
    const receivers = [];
    for (const member of members) receivers.push(await connect(member));

    // A client of the first member that went away, whose record stayed (a lost
    // $disconnect): connected a minute ago, so its 410 is not a handshake in progress.
    const gone = await connect(members[0]!);
    await gone.client.close();
    await waitUntil(async () => !(await store.getConnection(gone.connectionId)), 'the $disconnect function ran');
    await store.addConnection({
      connectionId: gone.connectionId,
      userId: members[0]!.user.id,
      connectedAt: Date.now() - 60_000,
    });

    // Observe the real SDK client the entry point posts with.
    let inFlight = 0;
    let maxInFlight = 0;
    const posted: string[] = [];
    // Imported after the environment is set (its logger reads it), as Lambda loads a function.
    const { managementClient } = await import('../src/lambda/runtime/connection-posts.ts');
    managementClient(`https://localhost:${managementPort}/ws`).middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PostToConnectionCommand') return next(args);
        posted.push((args.input as { ConnectionId: string }).ConnectionId);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countPostsInFlight' },
    );

    const clientMessageId = randomUUID();
    const event = {
      requestContext: {
        routeKey: 'sendMessage',
        eventType: 'MESSAGE',
        messageDirection: 'IN',
        connectionId: senderConnection,
        domainName: `localhost:${managementPort}`,
        stage: 'ws',
        apiId: 'local',
        requestId: randomUUID(),
        messageId: randomUUID(),
        connectedAt: Date.now(),
        requestTimeEpoch: Date.now(),
        authorizer: {
          principalId: sender.user.id,
          userId: sender.user.id,
          username: sender.user.username,
          guest: 'true',
        },
      },
      body: JSON.stringify({ action: 'sendMessage', roomId: general.id, text: 'hello, lambda', clientMessageId }),
      isBase64Encoded: false,
    };
    const result = await sendMessage(event, {});

    assert.equal(result.statusCode, 200, result.body);
    const ack = JSON.parse(result.body!) as Frame;
    assert.equal(ack.type, 'ack');
    assert.equal(ack.clientMessageId, clientMessageId);
    const isTheMessage = (frame: Frame) => frame.type === 'message' && frame.message?.id === ack.message.id;
    for (const { client } of receivers) {
      const frame = await client.waitFor(isTheMessage, 'the message');
      assert.equal(frame.message.text, 'hello, lambda');
    }
    await senderClient.sync();
    assert.equal(senderClient.all(isTheMessage).length, 0, 'the sender has the ack, not the broadcast');

    assert.deepEqual(
      [...posted].sort(),
      [...receivers.map((r) => r.connectionId), gone.connectionId].sort(),
      'one post per member connection',
    );
    assert.ok(maxInFlight <= CONCURRENCY, `at most ${CONCURRENCY} posts in flight, saw ${maxInFlight}`);
    assert.ok(maxInFlight > 1, `posts overlap rather than go one by one, saw ${maxInFlight}`);
    assert.equal(await store.getConnection(gone.connectionId), undefined, 'the gone connection was removed');
    assert.ok(await store.getConnection(receivers[0]!.connectionId), 'the member’s live connection stays');
  });

  it('searches over both APIs the index that the indexer function writes from the table stream', async () => {
    const session = await guest();
    const { client } = await connect(session);
    const general = (await store.listUserRooms(session.user.id, { limit: 1000 }))[0]!.room;
    const word = `w${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const text = `the ${word} launch`;
    await client.ok({ action: 'sendMessage', roomId: general.id, text, clientMessageId: randomUUID() });
    const indexer = await entryHandler<TableStreamEvent, void>(lambdaEntryPoints.searchIndexer);
    await stream.drain((records) => indexer({ Records: records }, {}));

    const search = await post('/api/search', { query: word }, { authorization: `Bearer ${session.token}` });
    assert.equal(search.statusCode, 200, search.body);
    assert.equal(search.headers['content-type'], 'application/json; charset=utf-8');
    const found = (JSON.parse(search.body) as { results: Frame[] }).results;
    assert.deepEqual(
      found.map((result) => [result.roomId, result.message.text]),
      [[general.id, text]],
    );
    const answer = await client.ok({ action: 'search', query: `${word.slice(0, 6)} lau` });
    assert.deepEqual(
      (answer.results as Frame[]).map((result) => result.message.text),
      [text],
    );
    const anonymous = await post('/api/search', { query: 'hello' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
  });
});

async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(20);
  }
}
