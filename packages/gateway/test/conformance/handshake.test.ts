/**
 * Conformance: the handshake and `$connect` (spec 1.1, 1.2, 1.6, 4; checklist 1-25).
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  connect,
  EventRecorder,
  handshakeStatus,
  rawUpgrade,
  recordingHandler,
  sleep,
  startGateway,
  withTimeout,
} from '../support/gateway-harness.ts';

/** A gateway whose `$connect`, `$default` and `$disconnect` record every event. */
async function recordingGateway(definition: { stage?: string; apiId?: string } = {}) {
  const connects = new EventRecorder();
  const messages = new EventRecorder();
  const disconnects = new EventRecorder();
  const running = await startGateway({
    ...definition,
    routes: {
      $connect: { handler: recordingHandler(connects) },
      $default: { handler: recordingHandler(messages) },
      $disconnect: { handler: recordingHandler(disconnects) },
    },
  });
  return { ...running, connects, messages, disconnects };
}

/** The `$connect` event of one handshake made with the given client options. */
async function connectEventFor(options: Parameters<typeof connect>[1] = {}) {
  const { url, port, connects } = await recordingGateway();
  const client = await connect(url, options);
  const event = await connects.nth(1);
  await client.close();
  return { event, port };
}

function plainGet(url: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      // No keep-alive: an idle pooled socket would hold the gateway's close open.
      get(url, { agent: false }, (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
      }).on('error', reject);
    }),
    3000,
    'plain GET got no answer',
  );
}

const lowerKeys = (record: Record<string, unknown>): string[] => Object.keys(record).map((key) => key.toLowerCase());

describe('handshake and $connect', () => {
  it('11.1 a plain HTTP GET (no Upgrade) to the stage URL returns 426', async () => {
    const { url } = await startGateway({ stage: 'prod', routes: { $default: { handler: async () => {} } } });
    const { status, headers } = await plainGet(url.replace(/^ws/, 'http'));
    assert.equal(status, 426);
    assert.equal(headers.upgrade, 'websocket');
    assert.equal(headers['x-content-type-options'], 'nosniff');
  });

  it('11.2 a WebSocket upgrade to /{stage} with no $connect route succeeds (101)', async () => {
    const { url } = await startGateway({ stage: 'prod', routes: { $default: { handler: async () => {} } } });
    assert.ok(url.endsWith('/prod'));
    assert.equal((await rawUpgrade(url)).status, 101);
    const client = await connect(url);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    await client.close();
  });

  it('11.3 with a $connect route, the 101 is not sent until the $connect handler returns', async () => {
    const invoked = new EventRecorder();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { url } = await startGateway({
      routes: {
        $connect: {
          handler: async (event: Record<string, unknown>) => {
            invoked.record(event);
            await released;
            return { statusCode: 200 };
          },
        },
      },
    });
    let opened = false;
    const pending = connect(url);
    void pending.then(() => {
      opened = true;
    });
    await invoked.nth(1);
    // The handler is running; give a premature 101 time to reach the client.
    await sleep(150);
    assert.equal(opened, false, 'the client opened while $connect was still running');
    release();
    const client = await pending;
    assert.equal(opened, true);
    await client.close();
  });

  it('11.4 $connect returning {statusCode: 200} yields 101', async () => {
    const { url } = await startGateway({ routes: { $connect: { handler: async () => ({ statusCode: 200 }) } } });
    assert.equal((await rawUpgrade(url)).status, 101);
  });

  it('11.5 $connect returning {statusCode: 400} makes the handshake fail with HTTP 400', async () => {
    const { url } = await startGateway({ routes: { $connect: { handler: async () => ({ statusCode: 400 }) } } });
    assert.equal(await handshakeStatus(url), 400);
    assert.equal((await rawUpgrade(url)).status, 400);
  });

  it('11.6 $connect returning {statusCode: 403} makes the handshake fail with HTTP 403', async () => {
    const { url } = await startGateway({ routes: { $connect: { handler: async () => ({ statusCode: 403 }) } } });
    assert.equal(await handshakeStatus(url), 403);
  });

  it('11.7 a $connect handler that throws makes the handshake fail with HTTP 502', async () => {
    const { url } = await startGateway({
      routes: {
        $connect: {
          handler: async () => {
            throw new Error('boom');
          },
        },
      },
    });
    assert.equal(await handshakeStatus(url), 502);
    const syncThrow = await startGateway({
      routes: {
        $connect: {
          handler: () => {
            throw new SyntaxError('broken module');
          },
        },
      },
    });
    assert.equal(await handshakeStatus(syncThrow.url), 502);
  });

  it('11.8 $connect returning headers {"Sec-WebSocket-Protocol": "p2"} puts Sec-WebSocket-Protocol: p2 on the 101', async () => {
    const { url } = await startGateway({
      routes: {
        $connect: { handler: async () => ({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'p2' } }) },
      },
    });
    const raw = await rawUpgrade(url, { 'Sec-WebSocket-Protocol': 'p1, p2' });
    assert.equal(raw.status, 101);
    assert.equal(raw.headers['sec-websocket-protocol'], 'p2');
    const client = await connect(url, { protocols: ['p1', 'p2'] });
    assert.equal(client.socket.protocol, 'p2');
    await client.close();
  });

  it('11.9 a client offering subprotocols p1, p2 while $connect returns no protocol header gets no Sec-WebSocket-Protocol on the 101', async () => {
    const { url } = await startGateway({ routes: { $connect: { handler: async () => ({ statusCode: 200 }) } } });
    const raw = await rawUpgrade(url, { 'Sec-WebSocket-Protocol': 'p1, p2' });
    assert.equal(raw.status, 101);
    assert.equal('sec-websocket-protocol' in raw.headers, false);
    // Without a gateway without $connect either: no auto-echo anywhere.
    const bare = await startGateway({ routes: { $default: { handler: async () => {} } } });
    const rawBare = await rawUpgrade(bare.url, { 'Sec-WebSocket-Protocol': 'p1, p2' });
    assert.equal('sec-websocket-protocol' in rawBare.headers, false);
  });

  it('11.10 the $connect event has requestContext.eventType "CONNECT" and routeKey "$connect"', async () => {
    const { event } = await connectEventFor();
    assert.equal(event.requestContext.eventType, 'CONNECT');
    assert.equal(event.requestContext.routeKey, '$connect');
  });

  it('11.11 the $connect event has no messageId, disconnectStatusCode or disconnectReason keys', async () => {
    const { event } = await connectEventFor();
    assert.equal('messageId' in event.requestContext, false);
    assert.equal('disconnectStatusCode' in event.requestContext, false);
    assert.equal('disconnectReason' in event.requestContext, false);
  });

  it('11.12 the $connect event headers contain the client custom headers with their case kept', async () => {
    const { event } = await connectEventFor({ headers: { 'X-Custom-Header': 'One', 'x-lower-case': 'two' } });
    assert.equal(event.headers['X-Custom-Header'], 'One');
    assert.equal(event.headers['x-lower-case'], 'two');
    assert.equal('x-custom-header' in event.headers, false);
  });

  it('11.13 the $connect event headers contain Host, Sec-WebSocket-Key, Sec-WebSocket-Version, X-Forwarded-For, X-Forwarded-Port and X-Forwarded-Proto', async () => {
    const { event, port } = await connectEventFor();
    const { headers } = event;
    assert.equal(headers.Host, `127.0.0.1:${port}`);
    assert.match(headers['Sec-WebSocket-Key'], /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(headers['Sec-WebSocket-Version'], '13');
    assert.equal(headers['X-Forwarded-For'], '127.0.0.1');
    assert.equal(headers['X-Forwarded-Port'], String(port));
    assert.equal(headers['X-Forwarded-Proto'], 'http');
  });

  it('11.14 the $connect event headers do not contain Connection or Upgrade', async () => {
    const { event } = await connectEventFor();
    assert.equal(lowerKeys(event.headers).includes('connection'), false);
    assert.equal(lowerKeys(event.headers).includes('upgrade'), false);
    assert.equal(lowerKeys(event.multiValueHeaders).includes('connection'), false);
    assert.equal(lowerKeys(event.multiValueHeaders).includes('upgrade'), false);
  });

  it('11.15 multiValueHeaders in $connect mirrors headers with array values', async () => {
    const { event } = await connectEventFor({ headers: { 'X-Custom-Header': 'One' } });
    const mirrored = Object.fromEntries(Object.entries(event.headers).map(([name, value]) => [name, [value]]));
    assert.deepEqual(event.multiValueHeaders, mirrored);
  });

  it('11.16 with no query string, the $connect event has no queryStringParameters or multiValueQueryStringParameters keys', async () => {
    const { event } = await connectEventFor();
    assert.equal('queryStringParameters' in event, false);
    assert.equal('multiValueQueryStringParameters' in event, false);
  });

  it('11.17 with ?a=1&b=2&b=3, queryStringParameters and multiValueQueryStringParameters are populated (b: ["2","3"])', async () => {
    const { event } = await connectEventFor({ query: '?a=1&b=2&b=3' });
    // Spec 1.2: the single-value map keeps the last value.
    assert.deepEqual(event.queryStringParameters, { a: '1', b: '3' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1'], b: ['2', '3'] });
  });

  it('11.18 the $connect event has no body and has isBase64Encoded: false', async () => {
    const { event } = await connectEventFor();
    assert.equal('body' in event, false);
    assert.equal(event.isBase64Encoded, false);
  });

  it('11.19 requestContext.identity equals {sourceIp: <client IP>} and nothing else when no auth is configured', async () => {
    const { event } = await connectEventFor();
    assert.deepEqual(event.requestContext.identity, { sourceIp: '127.0.0.1' });
  });

  it('11.20 connectedAt and requestTimeEpoch are integer epoch milliseconds', async () => {
    const { url, connects } = await recordingGateway();
    const before = Date.now();
    const client = await connect(url);
    const after = Date.now();
    const { requestContext } = await connects.nth(1);
    for (const value of [requestContext.connectedAt, requestContext.requestTimeEpoch]) {
      assert.ok(Number.isInteger(value), `${value} is not an integer`);
      assert.ok(value >= before && value <= after, `${value} is not epoch ms between ${before} and ${after}`);
    }
    await client.close();
  });

  it('11.21 requestTime matches the CLF form dd/MMM/yyyy:HH:mm:ss +0000', async () => {
    const { event } = await connectEventFor();
    const { requestTime, requestTimeEpoch } = event.requestContext;
    assert.match(requestTime, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/);
    const [, day, month, year, time] = /^(\d{2})\/(\w{3})\/(\d{4}):(\S+) /.exec(requestTime) ?? [];
    assert.equal(Date.parse(`${day} ${month} ${year} ${time} GMT`), Math.floor(requestTimeEpoch / 1000) * 1000);
  });

  it('11.22 requestId === extendedRequestId in every event', async () => {
    const { url, connects, messages, disconnects } = await recordingGateway();
    const client = await connect(url);
    client.send('hello');
    await messages.nth(1);
    await client.close();
    await disconnects.nth(1);
    for (const { requestContext } of [...connects.events, ...messages.events, ...disconnects.events]) {
      assert.equal(typeof requestContext.requestId, 'string');
      assert.ok(requestContext.requestId.length > 0);
      assert.equal(requestContext.requestId, requestContext.extendedRequestId);
    }
    const ids = [connects, messages, disconnects].map((recorder) => recorder.events[0]?.requestContext.requestId);
    assert.equal(new Set(ids).size, 3, 'each event has its own request id');
  });

  it('11.23 connectionId is a URL-safe string, unique per connection, and never reused after reconnect', async () => {
    const { url, connects } = await recordingGateway();
    const ids = new Set<string>();
    for (let i = 1; i <= 5; i += 1) {
      // Reconnect with the same client options each time: a new connection gets a new id.
      const client = await connect(url, { headers: { 'X-Client': 'same' } });
      const { connectionId } = (await connects.nth(i)).requestContext;
      assert.match(connectionId, /^[A-Za-z0-9_-]+=*$/);
      assert.equal(decodeURIComponent(encodeURIComponent(connectionId)), connectionId);
      ids.add(connectionId);
      await client.close();
    }
    assert.equal(ids.size, 5);
  });

  it('11.24 messageDirection === "IN" in every event', async () => {
    const { url, connects, messages, disconnects } = await recordingGateway();
    const client = await connect(url);
    client.send('hello');
    await messages.nth(1);
    await client.close();
    await disconnects.nth(1);
    const events = [...connects.events, ...messages.events, ...disconnects.events];
    assert.equal(events.length, 3);
    for (const { requestContext } of events) assert.equal(requestContext.messageDirection, 'IN');
  });

  it('11.25 domainName, stage and apiId are present and consistent across all events of a connection', async () => {
    const { url, managementPort, connects, messages, disconnects } = await recordingGateway({
      stage: 'prod',
      apiId: 'abcd123456',
    });
    const client = await connect(url);
    client.send('hello');
    await messages.nth(1);
    await client.close();
    await disconnects.nth(1);
    for (const { requestContext } of [...connects.events, ...messages.events, ...disconnects.events]) {
      // The management listener, so that `https://${domainName}/${stage}` reaches @connections.
      assert.equal(requestContext.domainName, `localhost:${managementPort}`);
      assert.equal(requestContext.stage, 'prod');
      assert.equal(requestContext.apiId, 'abcd123456');
    }
  });
});
