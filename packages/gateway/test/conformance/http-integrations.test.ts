/**
 * Checklist 102-108 (spec 7): HTTP and HTTP_PROXY integrations end to end, from a
 * real WebSocket client through the gateway to a real HTTP backend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, EventRecorder, startGateway, startHttpBackend } from '../support/gateway-harness.ts';

/** A `$connect` handler that records the connection ids it admits. */
function connectRecorder(connects: EventRecorder) {
  return {
    handler: async (event: Record<string, unknown>) => {
      connects.record(event);
      return { statusCode: 200 };
    },
  };
}

describe('conformance: HTTP integrations (spec 7)', () => {
  it('11.102 an HTTP_PROXY route forwards the message body to the integration URI with the configured method', async () => {
    const backend = await startHttpBackend();
    const { url } = await startGateway({
      routes: {
        sendmessage: { integration: { type: 'HTTP_PROXY', uri: `${backend.url}/rooms/messages`, method: 'PUT' } },
      },
    });
    const client = await connect(url);
    const body = '{"action":"sendmessage", "text":"héllo"}';
    client.send(body);
    const received = await backend.requests.nth(1);
    assert.equal(received.method, 'PUT');
    assert.equal(received.url, '/rooms/messages');
    assert.equal(received.body, body);
    await client.close();
  });

  it('11.102 the method defaults to POST', async () => {
    const backend = await startHttpBackend();
    const { url } = await startGateway({
      routes: { $default: { integration: { type: 'HTTP_PROXY', uri: backend.url } } },
    });
    const client = await connect(url);
    client.send('plain text');
    const received = await backend.requests.nth(1);
    assert.equal(received.method, 'POST');
    assert.equal(received.body, 'plain text');
    await client.close();
  });

  it('11.103 integration.request.header.connectionId = context.connectionId gives the backend a connectionId header', async () => {
    const backend = await startHttpBackend();
    const connects = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $connect: connectRecorder(connects),
        $default: {
          integration: {
            type: 'HTTP_PROXY',
            uri: backend.url,
            requestParameters: { 'integration.request.header.connectionId': 'context.connectionId' },
          },
        },
      },
    });
    const client = await connect(url);
    const { connectionId } = (await connects.nth(1)).requestContext;
    client.send('hi');
    const received = await backend.requests.nth(1);
    assert.equal(received.headers.connectionid, connectionId);
    await client.close();
  });

  it('11.103 without a mapping the backend gets no connectionId', async () => {
    const backend = await startHttpBackend();
    const connects = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $connect: connectRecorder(connects),
        $default: { integration: { type: 'HTTP_PROXY', uri: backend.url } },
      },
    });
    const client = await connect(url);
    const { connectionId } = (await connects.nth(1)).requestContext;
    client.send('hi');
    const received = await backend.requests.nth(1);
    assert.equal(received.headers.connectionid, undefined);
    assert.equal(JSON.stringify(received).includes(connectionId), false);
    await client.close();
  });

  it('11.104 route.request.querystring mapping works on $connect only', async () => {
    const backend = await startHttpBackend();
    const parameters = {
      'integration.request.querystring.token': 'route.request.querystring.token',
      'integration.request.header.x-token': 'route.request.querystring.token',
    };
    const { url } = await startGateway({
      routes: {
        $connect: { integration: { type: 'HTTP_PROXY', uri: `${backend.url}/connect`, requestParameters: parameters } },
        $default: { integration: { type: 'HTTP_PROXY', uri: `${backend.url}/message`, requestParameters: parameters } },
      },
    });
    const client = await connect(url, { query: '?token=abc' });
    const onConnect = await backend.requests.nth(1);
    assert.equal(onConnect.url, '/connect?token=abc');
    assert.equal(onConnect.headers['x-token'], 'abc');
    client.send('hello');
    const onMessage = await backend.requests.nth(2);
    assert.equal(onMessage.url, '/message');
    assert.equal(onMessage.headers['x-token'], undefined);
    await client.close();
  });

  it('11.104 a non-2xx $connect backend status rejects the handshake with that status', async () => {
    const backend = await startHttpBackend(() => ({ status: 403, body: 'no' }));
    const { url } = await startGateway({
      routes: { $connect: { integration: { type: 'HTTP_PROXY', uri: backend.url } } },
    });
    await assert.rejects(connect(url), (error: { status?: number }) => error.status === 403);
  });

  it('11.105 route.request.body.$.x mapping works on message routes', async () => {
    const backend = await startHttpBackend();
    const { url } = await startGateway({
      routes: {
        join: {
          integration: {
            type: 'HTTP_PROXY',
            uri: `${backend.url}/join`,
            requestParameters: {
              'integration.request.header.x-room': 'route.request.body.$.room',
              'integration.request.querystring.user': 'route.request.body.$.user.name',
              'integration.request.header.x-static': "'fixed value'",
            },
          },
        },
      },
    });
    const client = await connect(url);
    client.send({ action: 'join', room: 'lobby', user: { name: 'ada' } });
    const received = await backend.requests.nth(1);
    assert.equal(received.headers['x-room'], 'lobby');
    assert.equal(received.url, '/join?user=ada');
    assert.equal(received.headers['x-static'], 'fixed value');
    // A path that does not resolve leaves its destination out.
    client.send({ action: 'join' });
    const second = await backend.requests.nth(2);
    assert.equal(second.headers['x-room'], undefined);
    assert.equal(second.url, '/join');
    await client.close();
  });

  it('11.106 a two-way HTTP_PROXY route returns the backend response body as a frame', async () => {
    const backend = await startHttpBackend((request) => ({
      status: 200,
      body: `backend saw ${request.body}`,
      headers: { 'content-type': 'text/plain' },
    }));
    const { url } = await startGateway({
      routes: { $default: { integration: { type: 'HTTP_PROXY', uri: backend.url }, routeResponse: true } },
    });
    const client = await connect(url);
    client.send('ping');
    assert.equal(await client.next(), 'backend saw ping');
    await client.close();
  });

  it('11.106 a one-way HTTP_PROXY route sends nothing back', async () => {
    const backend = await startHttpBackend(() => ({ body: 'not for the client' }));
    const { url } = await startGateway({
      routes: { $default: { integration: { type: 'HTTP_PROXY', uri: backend.url } } },
    });
    const client = await connect(url);
    client.send('ping');
    await backend.requests.nth(1);
    assert.equal(await client.silentFor(150), true);
    await client.close();
  });

  it('11.106 an HTTP_PROXY route whose backend is unreachable sends the Internal server error frame', async () => {
    const backend = await startHttpBackend();
    await backend.close();
    const { url } = await startGateway({
      routes: { $default: { integration: { type: 'HTTP_PROXY', uri: backend.url }, routeResponse: true } },
    });
    const client = await connect(url);
    client.send('ping');
    assert.match(
      await client.next(),
      /^\{"message": "Internal server error", "connectionId":"[^"]+", "requestId":"[^"]+"\}$/,
    );
    assert.equal(client.socket.readyState, client.socket.OPEN);
    await client.close();
  });

  it('11.107 a non-proxy HTTP integration selects the integration response by status regex with $default fallback', async () => {
    // The backend answers with the status the message asks for.
    const backend = await startHttpBackend((request) => {
      const { status } = JSON.parse(request.body) as { status: number };
      return { status, body: JSON.stringify({ status }) };
    });
    const { url } = await startGateway({
      routes: {
        $default: {
          integration: {
            type: 'HTTP',
            uri: backend.url,
            responses: {
              '/2\\d\\d/': { template: "success $input.json('$.status')" },
              '/4\\d\\d/': { template: 'client error $input.body' },
              $default: { template: 'fallback for $context.routeKey' },
            },
          },
          routeResponse: true,
        },
      },
    });
    const client = await connect(url);
    client.send({ status: 201 });
    assert.equal(await client.next(), 'success 201');
    client.send({ status: 404 });
    assert.equal(await client.next(), 'client error {"status":404}');
    client.send({ status: 500 });
    assert.equal(await client.next(), 'fallback for $default');
    await client.close();
  });

  it('11.108 a request template selected by templateSelectionExpression renders $context.connectionId, $input.body and $input.json', async () => {
    const backend = await startHttpBackend();
    const connects = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $connect: connectRecorder(connects),
        $default: {
          integration: {
            type: 'HTTP',
            uri: backend.url,
            templateSelectionExpression: '${request.body.kind}',
            requestTemplates: {
              greet: '{"id":"$context.connectionId","raw":$input.body,"x":$input.json(\'$.x\')}',
              $default: 'default template: $input.body',
            },
          },
        },
      },
    });
    const client = await connect(url);
    const { connectionId } = (await connects.nth(1)).requestContext;
    const body = '{"kind":"greet","x":{"n":[1,2]}}';
    client.send(body);
    const greeted = await backend.requests.nth(1);
    assert.deepEqual(JSON.parse(greeted.body), { id: connectionId, raw: JSON.parse(body), x: { n: [1, 2] } });
    client.send('{"kind":"other"}');
    assert.equal((await backend.requests.nth(2)).body, 'default template: {"kind":"other"}');
    await client.close();
  });
});
