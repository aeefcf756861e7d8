/**
 * Conformance: `$disconnect` (spec 1.1, 1.4, 1.6, 3.3; checklist 47-53).
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  connect,
  EventRecorder,
  recordingHandler,
  sleep,
  startGateway,
  type TestClient,
} from '../support/gateway-harness.ts';

/** A gateway that records `$connect` and `$disconnect` events; `$disconnect` answers `result`. */
async function disconnectGateway(result?: unknown) {
  const connects = new EventRecorder();
  const disconnects = new EventRecorder();
  const running = await startGateway({
    routes: {
      $connect: { handler: recordingHandler(connects) },
      $disconnect: { handler: recordingHandler(disconnects, result) },
      $default: { handler: async () => ({ statusCode: 200, body: 'reply' }), routeResponse: true },
    },
  });
  return { ...running, connects, disconnects };
}

/** Connects and returns the client with its connectionId. */
async function connectRecorded(url: string, connects: EventRecorder, query?: string): Promise<[TestClient, string]> {
  const count = connects.events.length + 1;
  const client = await connect(url, { query });
  return [client, (await connects.nth(count)).requestContext.connectionId];
}

/**
 * The `$disconnect` events of one connection, after waiting for the first and then
 * a quiet period in which a duplicate would show up.
 */
async function disconnectsOf(disconnects: EventRecorder, connectionId: string) {
  const mine = () => disconnects.events.filter((event) => event.requestContext.connectionId === connectionId);
  for (let count = 1; mine().length === 0; count += 1) await disconnects.nth(count);
  await sleep(150);
  return mine();
}

describe('$disconnect', () => {
  it('11.47 a client close with code 1000 and a reason fires $disconnect with eventType DISCONNECT, disconnectStatusCode 1000 and the reason', async () => {
    const { url, connects, disconnects } = await disconnectGateway();
    const [client, connectionId] = await connectRecorded(url, connects);
    await client.close(1000, 'bye for now');
    const [event, ...more] = await disconnectsOf(disconnects, connectionId);
    assert.equal(more.length, 0);
    assert.equal(event?.requestContext.eventType, 'DISCONNECT');
    assert.equal(event?.requestContext.routeKey, '$disconnect');
    assert.equal(event?.requestContext.disconnectStatusCode, 1000);
    assert.equal(event?.requestContext.disconnectReason, 'bye for now');
  });

  it('11.48 a client close with no status fires $disconnect with disconnectStatusCode 1005 and disconnectReason "Client-side close frame status not set"', async () => {
    const { url, connects, disconnects } = await disconnectGateway();
    const [client, connectionId] = await connectRecorded(url, connects);
    // ws sends a close frame with an empty payload when no code is given.
    await client.close();
    const [event, ...more] = await disconnectsOf(disconnects, connectionId);
    assert.equal(more.length, 0);
    assert.equal(event?.requestContext.disconnectStatusCode, 1005);
    assert.equal(event?.requestContext.disconnectReason, 'Client-side close frame status not set');
  });

  it('11.49 a TCP drop without a close frame still fires $disconnect (best effort) once', async () => {
    const { url, connects, disconnects } = await disconnectGateway();
    const [client, connectionId] = await connectRecorded(url, connects);
    const [other, otherId] = await connectRecorded(url, connects);
    (client.socket as unknown as { _socket: Socket })._socket.destroy();
    other.socket.terminate();
    for (const id of [connectionId, otherId]) {
      const events = await disconnectsOf(disconnects, id);
      assert.equal(events.length, 1, `${events.length} $disconnect events for one dropped connection`);
      assert.equal(events[0]?.requestContext.eventType, 'DISCONNECT');
      assert.equal(typeof events[0]?.requestContext.disconnectStatusCode, 'number');
      assert.equal(typeof events[0]?.requestContext.disconnectReason, 'string');
    }
  });

  it('11.50 the $disconnect event headers are exactly {Host, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}, with matching multiValueHeaders', async () => {
    const { url, managementPort, connects, disconnects } = await disconnectGateway();
    const [client, connectionId] = await connectRecorded(url, connects);
    await client.close(1000, 'done');
    const [event] = await disconnectsOf(disconnects, connectionId);
    const host = event?.requestContext.domainName;
    assert.equal(host, `localhost:${managementPort}`);
    assert.deepEqual(event?.headers, { Host: host, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    assert.deepEqual(event?.multiValueHeaders, {
      Host: [host],
      'x-api-key': [''],
      'X-Forwarded-For': [''],
      'x-restapi': [''],
    });
  });

  it('11.51 the $disconnect event has no body, messageId or query parameters', async () => {
    const { url, connects, disconnects } = await disconnectGateway();
    // Connected with a query string, and after a message: neither leaks into $disconnect.
    const [client, connectionId] = await connectRecorded(url, connects, '?token=abc&x=1&x=2');
    assert.ok('queryStringParameters' in (connects.events[0] ?? {}));
    client.send('hello');
    assert.equal(await client.next(), 'reply');
    await client.close(1000, 'done');
    const [event] = await disconnectsOf(disconnects, connectionId);
    assert.equal('body' in (event ?? {}), false);
    assert.equal('messageId' in (event?.requestContext ?? {}), false);
    assert.equal('queryStringParameters' in (event ?? {}), false);
    assert.equal('multiValueQueryStringParameters' in (event ?? {}), false);
    assert.equal(event?.isBase64Encoded, false);
  });

  it("11.52 the $disconnect handler's return value and errors are ignored and nothing is sent", async () => {
    const returning = await disconnectGateway({ statusCode: 500, body: 'should not be sent' });
    const throwing = await startGateway({
      routes: {
        $disconnect: {
          handler: async () => {
            throw new Error('disconnect failed');
          },
        },
        $default: { handler: async () => ({ statusCode: 200, body: 'reply' }), routeResponse: true },
      },
    });
    for (const url of [returning.url, throwing.url]) {
      const bystander = await connect(url);
      const client = await connect(url);
      const received: string[] = [];
      client.socket.on('message', (data: Buffer) => received.push(data.toString()));
      await client.close(1000, 'bye');
      // Nobody gets the result: not the closed client, not another connection.
      assert.equal(await bystander.silentFor(150), true);
      assert.deepEqual(received, []);
      // The gateway carries on serving.
      bystander.send('hello');
      assert.equal(await bystander.next(), 'reply');
      const again = await connect(url);
      await again.close();
      await bystander.close();
    }
    assert.ok((await returning.disconnects.nth(1)).requestContext);
  });

  it('11.53 $disconnect fires exactly once per connection, including after a backend DELETE', async () => {
    const { url, gateway, connects, disconnects } = await disconnectGateway();
    // Backend DELETE: the client sees its socket closed, $disconnect reports 1000.
    const [deleted, deletedId] = await connectRecorded(url, connects);
    await gateway.management.deleteConnection({ ConnectionId: deletedId });
    await deleted.closed;
    const afterDelete = await disconnectsOf(disconnects, deletedId);
    assert.equal(afterDelete.length, 1);
    assert.equal(afterDelete[0]?.requestContext.disconnectStatusCode, 1000);
    assert.equal(afterDelete[0]?.requestContext.disconnectReason, 'Connection Closed Normally');
    // A second DELETE is Gone and fires nothing more.
    await assert.rejects(gateway.management.deleteConnection({ ConnectionId: deletedId }), { name: 'GoneException' });
    // Client close, and a DELETE racing a client close: still one each.
    const [closed, closedId] = await connectRecorded(url, connects);
    await closed.close(1000, 'bye');
    const [raced, racedId] = await connectRecorded(url, connects);
    raced.socket.close(4000, 'racing');
    await gateway.management.deleteConnection({ ConnectionId: racedId }).catch(() => {});
    await raced.closed;
    for (const id of [closedId, racedId]) assert.equal((await disconnectsOf(disconnects, id)).length, 1);
    assert.equal((await disconnectsOf(disconnects, deletedId)).length, 1);
  });
});
