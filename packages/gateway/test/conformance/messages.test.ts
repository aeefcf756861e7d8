/**
 * Conformance: MESSAGE events and route selection (spec 1.3, 2; checklist 26-39).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { GatewayDefinition } from '../../src/definition.ts';
import {
  assertErrorFrame,
  connect,
  EventRecorder,
  recordingHandler,
  startGateway,
  type TestClient,
} from '../support/gateway-harness.ts';

/**
 * A gateway whose every route records into `received` (keyed by route), so a test
 * sees which route got a message and with which routeKey. Routes are one-way.
 */
async function routingGateway(routeKeys: string[], routeSelectionExpression?: string) {
  const received = new EventRecorder();
  const connects = new EventRecorder();
  const routes: GatewayDefinition['routes'] = { $connect: { handler: recordingHandler(connects) } };
  for (const key of routeKeys) {
    routes[key] = {
      handler: async (event: Record<string, unknown>) => {
        received.record({ route: key, event });
        return { statusCode: 200 };
      },
    };
  }
  const running = await startGateway({ routeSelectionExpression, routes });
  const client = await connect(running.url);
  const connectionId: string = (await connects.nth(1)).requestContext.connectionId;
  return { ...running, client, connectionId, received, connects };
}

/** Sends one message and returns the route that got it and the routeKey it saw. */
async function routeOf(client: TestClient, received: EventRecorder, message: string) {
  const count = received.events.length + 1;
  client.send(message);
  const { route, event } = await received.nth(count);
  return { route, routeKey: event.requestContext.routeKey, event };
}

describe('messages and route selection', () => {
  it('11.26 a MESSAGE event has eventType "MESSAGE", a messageId, a body equal to the exact frame text, isBase64Encoded false, and no headers', async () => {
    const { client, received, connectionId } = await routingGateway(['$default']);
    // Spacing and key order are kept: the body is the frame text, not re-serialised.
    const text = '{"action": "chat",  "message":"Hello from client" , "n": 1.50}';
    const { event } = await routeOf(client, received, text);
    assert.equal(event.requestContext.eventType, 'MESSAGE');
    assert.equal(typeof event.requestContext.messageId, 'string');
    assert.ok(event.requestContext.messageId.length > 0);
    assert.notEqual(event.requestContext.messageId, event.requestContext.requestId);
    assert.equal(event.requestContext.connectionId, connectionId);
    assert.equal(event.body, text);
    assert.equal(event.isBase64Encoded, false);
    assert.equal('headers' in event, false);
    assert.equal('multiValueHeaders' in event, false);
    assert.equal('queryStringParameters' in event, false);
    const unicode = await routeOf(client, received, 'héllo ✓ 😀');
    assert.equal(unicode.event.body, 'héllo ✓ 😀');
    await client.close();
  });

  it('11.27 connectedAt in MESSAGE and $disconnect events equals the value from $connect', async () => {
    const connects = new EventRecorder();
    const messages = new EventRecorder();
    const disconnects = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $connect: { handler: recordingHandler(connects) },
        $default: { handler: recordingHandler(messages) },
        $disconnect: { handler: recordingHandler(disconnects) },
      },
    });
    const client = await connect(url);
    client.send('one');
    client.send('two');
    await messages.nth(2);
    await client.close();
    const connectedAt = (await connects.nth(1)).requestContext.connectedAt;
    const disconnect = await disconnects.nth(1);
    for (const event of [...messages.events, disconnect]) assert.equal(event.requestContext.connectedAt, connectedAt);
  });

  it('11.28 {"action":"join"} with route join invokes join with routeKey "join"', async () => {
    const { client, received } = await routingGateway(['join', '$default']);
    const { route, routeKey } = await routeOf(client, received, '{"action":"join"}');
    assert.equal(route, 'join');
    assert.equal(routeKey, 'join');
    await client.close();
  });

  it('11.29 route matching is case-sensitive: {"action":"Join"} does not match route join', async () => {
    const { client, received } = await routingGateway(['join', '$default']);
    const { route, routeKey } = await routeOf(client, received, '{"action":"Join"}');
    assert.equal(route, '$default');
    assert.equal(routeKey, '$default');
    assert.equal(received.events.filter((event) => event.route === 'join').length, 0);
    await client.close();
  });

  it('11.30 {"action":"unknown"} falls back to $default with routeKey "$default"', async () => {
    const { client, received } = await routingGateway(['join', '$default']);
    const { route, routeKey } = await routeOf(client, received, '{"action":"unknown"}');
    assert.equal(route, '$default');
    assert.equal(routeKey, '$default');
    await client.close();
  });

  it('11.31 a non-JSON message (hello) goes to $default', async () => {
    const { client, received } = await routingGateway(['join', '$default']);
    const { route, routeKey, event } = await routeOf(client, received, 'hello');
    assert.equal(route, '$default');
    assert.equal(routeKey, '$default');
    assert.equal(event.body, 'hello');
    await client.close();
  });

  it('11.32 a JSON message without the action key goes to $default', async () => {
    const { client, received } = await routingGateway(['join', '$default']);
    for (const message of ['{"type":"join"}', '[]', '"join"', '{"action":null}']) {
      const { route, routeKey } = await routeOf(client, received, message);
      assert.equal(route, '$default', message);
      assert.equal(routeKey, '$default', message);
    }
    await client.close();
  });

  it('11.33 the nested expression $request.body.service.do routes {"service":{"do":"echo"}} to echo', async () => {
    const { client, received } = await routingGateway(['echo', '$default'], '$request.body.service.do');
    const { route, routeKey } = await routeOf(client, received, '{"service":{"do":"echo"}}');
    assert.equal(route, 'echo');
    assert.equal(routeKey, 'echo');
    await client.close();
  });

  it('11.34 the multi-variable expression ${request.body.a}/${request.body.b} routes {"a":"x","b":"y"} to x/y', async () => {
    const { client, received } = await routingGateway(['x/y', '$default'], '${request.body.a}/${request.body.b}');
    const { route, routeKey } = await routeOf(client, received, '{"a":"x","b":"y"}');
    assert.equal(route, 'x/y');
    assert.equal(routeKey, 'x/y');
    await client.close();
  });

  it('11.35 a missing path in a multi-variable expression resolves to an empty string (join-)', async () => {
    const { client, received } = await routingGateway(
      ['join-', '$default'],
      '${request.body.action}-${request.body.invalidPath}',
    );
    const { route, routeKey } = await routeOf(client, received, '{"action":"join"}');
    assert.equal(route, 'join-');
    assert.equal(routeKey, 'join-');
    await client.close();
  });

  it('11.36 a numeric action {"action":5} routes to route key 5 (stringified)', async () => {
    const { client, received } = await routingGateway(['5', '$default']);
    const { route, routeKey } = await routeOf(client, received, '{"action":5}');
    assert.equal(route, '5');
    assert.equal(routeKey, '5');
    await client.close();
  });

  it('11.37 the static expression \\$default sends every message to $default', async () => {
    const { client, received } = await routingGateway(['join', '$default'], '\\$default');
    for (const message of ['{"action":"join"}', 'hello', '{"action":"$default"}']) {
      const { route, routeKey } = await routeOf(client, received, message);
      assert.equal(route, '$default', message);
      assert.equal(routeKey, '$default', message);
    }
    await client.close();
  });

  it('11.38 no match and no $default sends exactly the Forbidden frame and keeps the connection open', async () => {
    const { client, received, connectionId } = await routingGateway(['join']);
    client.send('{"action":"unknown"}');
    const first = assertErrorFrame(await client.next(), 'Forbidden', connectionId);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    // Still open and still routing: a matching message reaches its route.
    const { route } = await routeOf(client, received, '{"action":"join"}');
    assert.equal(route, 'join');
    client.send('{"action":"other"}');
    const second = assertErrorFrame(await client.next(), 'Forbidden', connectionId);
    assert.notEqual(first, second, 'each message has its own requestId');
    assert.equal(received.events.length, 1);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    await client.close();
  });

  it('11.39 a non-JSON message with no $default produces the same Forbidden frame', async () => {
    const { client, received, connectionId } = await routingGateway(['join']);
    client.send('hello');
    assertErrorFrame(await client.next(), 'Forbidden', connectionId);
    assert.equal(received.events.length, 0);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    await client.close();
  });
});
