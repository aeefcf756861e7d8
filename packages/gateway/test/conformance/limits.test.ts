/**
 * Checklist 76-83 (spec 4): frame and message size limits, binary frames, idle
 * timeout, maximum duration, the new-connection rate and route throttling.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import {
  connect,
  EventRecorder,
  rawUpgrade,
  startGateway,
  type TestClient,
  withTimeout,
} from '../support/gateway-harness.ts';

const KB = 1024;

/** An echoing `$default` route plus a `$disconnect` that records its events. */
function echoDefinition(disconnects: EventRecorder, extra: Partial<GatewayDefinition> = {}): GatewayDefinition {
  return {
    routes: {
      $default: {
        handler: async (event: { body: string }) => ({ statusCode: 200, body: event.body }),
        routeResponse: true,
      },
      $disconnect: {
        handler: async (event: Record<string, unknown>) => {
          disconnects.record(event);
          return { statusCode: 200 };
        },
      },
    },
    ...extra,
  };
}

/** Sends one text message as several frames: the first a text frame, the rest continuations. */
function sendFragmented(client: TestClient, parts: string[]): void {
  parts.forEach((part, index) => {
    client.socket.send(part, { fin: index === parts.length - 1 });
  });
}

function closedWithin(client: TestClient, ms = 3000): Promise<{ code: number; reason: string }> {
  return withTimeout(client.closed, ms, 'the gateway did not close the connection');
}

describe('conformance: limits and timeouts (spec 4)', () => {
  it('11.76 a frame over 32 KB closes the connection with 1009', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway(echoDefinition(disconnects));
    const client = await connect(url);
    const frame = 'x'.repeat(40 * KB);
    assert.ok(frame.length > 32 * KB && frame.length < 128 * KB);
    client.socket.send(frame, { fin: true });
    const { code } = await closedWithin(client);
    assert.equal(code, 1009);
    const disconnect = await disconnects.nth(1);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1009);
    assert.equal(await client.silentFor(0), true, 'the oversized frame must not be echoed');
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.76 a frame of exactly 32 KB is accepted', async () => {
    const { url } = await startGateway(echoDefinition(new EventRecorder()));
    const client = await connect(url);
    const frame = 'y'.repeat(32 * KB);
    client.socket.send(frame, { fin: true });
    assert.equal(await client.next(), frame);
    await client.close();
  });

  it('11.76 a continuation frame over 32 KB also closes the connection with 1009', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway(echoDefinition(disconnects));
    const client = await connect(url);
    // 50 KB in total, well under the message limit, but the second frame is 40 KB.
    sendFragmented(client, ['a'.repeat(10 * KB), 'b'.repeat(40 * KB)]);
    const { code } = await closedWithin(client);
    assert.equal(code, 1009);
    assert.equal(await client.silentFor(0), true);
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.77 a fragmented message totalling over 128 KB closes the connection with 1009', async () => {
    const disconnects = new EventRecorder();
    const invoked: string[] = [];
    const { url, gateway } = await startGateway({
      routes: {
        $default: {
          handler: async (event: { body: string }) => {
            invoked.push(event.body);
            return { statusCode: 200 };
          },
        },
        $disconnect: { handler: async (event: Record<string, unknown>) => disconnects.record(event) },
      },
    });
    const client = await connect(url);
    // Five 30 KB frames: each under the frame limit, 150 KB together.
    const parts = Array.from({ length: 5 }, (_, index) => String(index).repeat(30 * KB));
    sendFragmented(client, parts);
    const { code, reason } = await closedWithin(client);
    assert.equal(code, 1009);
    // The same reason as a single frame over the limit gets, in the close frame and in $disconnect.
    assert.equal(reason, 'Message too big');
    const disconnect = await disconnects.nth(1);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1009);
    assert.equal(disconnect.requestContext.disconnectReason, 'Message too big');
    await gateway.close();
    assert.deepEqual(invoked, [], 'the oversized message must not reach the integration');
    assert.equal(disconnects.events.length, 1);
  });

  it('11.78 a fragmented message of up to 128 KB in frames of up to 32 KB is delivered as one event body', async () => {
    const received = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $default: {
          handler: async (event: Record<string, unknown>) => {
            received.record(event);
            return { statusCode: 200 };
          },
        },
      },
    });
    const client = await connect(url);
    // Four full 32 KB frames: exactly 128 KB.
    const parts = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(32 * KB));
    sendFragmented(client, parts);
    const event = await received.nth(1);
    assert.equal(event.body, parts.join(''));
    assert.equal(event.body.length, 128 * KB);
    assert.equal(await client.silentFor(100), true);
    assert.equal(received.events.length, 1, 'the fragments form one message, not four');
    await client.close();
  });

  it('11.79 a binary frame closes the connection with 1003', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway(echoDefinition(disconnects));
    const client = await connect(url);
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    const { code } = await closedWithin(client);
    assert.equal(code, 1003);
    assert.equal((await disconnects.nth(1)).requestContext.disconnectStatusCode, 1003);
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.80 a connection without data frames for the idle timeout is closed and $disconnect fires', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway(
      echoDefinition(disconnects, { limits: { idleTimeoutSeconds: 0.3, maxDurationSeconds: 60 } }),
    );
    const client = await connect(url);
    const { code, reason } = await closedWithin(client, 5000);
    assert.equal(code, 1001);
    assert.match(reason, /idle/i);
    const disconnect = await disconnects.nth(1);
    assert.equal(disconnect.requestContext.eventType, 'DISCONNECT');
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1001);
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.80 messages keep a connection from idling out', async () => {
    const { url } = await startGateway(
      echoDefinition(new EventRecorder(), { limits: { idleTimeoutSeconds: 1, maxDurationSeconds: 60 } }),
    );
    const client = await connect(url);
    // Eight echoes 200 ms apart span longer than the idle timeout; each one resets it.
    for (let index = 0; index < 8; index++) {
      client.send(`ping ${index}`);
      assert.equal(await client.next(), `ping ${index}`);
      assert.equal(await client.silentFor(200), true);
    }
    assert.equal(client.socket.readyState, client.socket.OPEN);
    await client.close();
  });

  it('11.81 a connection is force-closed at the maximum duration and $disconnect fires', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway(
      echoDefinition(disconnects, { limits: { idleTimeoutSeconds: 60, maxDurationSeconds: 0.6 } }),
    );
    const client = await connect(url);
    // Keep the connection busy so only the duration limit can close it.
    let chatting = true;
    const chat = (async () => {
      while (chatting && client.socket.readyState === client.socket.OPEN) {
        client.send('busy');
        await client.next(1000).catch(() => undefined);
      }
    })();
    const { code, reason } = await closedWithin(client, 5000);
    chatting = false;
    await chat;
    assert.equal(code, 1001);
    assert.match(reason, /duration/i);
    const disconnect = await disconnects.nth(1);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1001);
    await gateway.close();
    assert.equal(disconnects.events.length, 1);
  });

  it('11.82 new connections above the per-second rate get HTTP 429 on the handshake', async () => {
    const { url } = await startGateway(echoDefinition(new EventRecorder(), { limits: { newConnectionsPerSecond: 2 } }));
    // Three handshakes at once: the bucket holds two tokens.
    const statuses = await Promise.all([rawUpgrade(url), rawUpgrade(url), rawUpgrade(url)]);
    const codes = statuses.map((answer) => answer.status).sort((a, b) => a - b);
    assert.deepEqual(codes, [101, 101, 429]);
  });

  it('11.82 a rate below one per second admits one connection, then refuses with 429', async () => {
    const { url } = await startGateway(
      echoDefinition(new EventRecorder(), { limits: { newConnectionsPerSecond: 0.5 } }),
    );
    assert.equal((await rawUpgrade(url)).status, 101);
    assert.equal((await rawUpgrade(url)).status, 429);
  });

  it('11.82 a handshake refused with 429 never reaches $connect', async () => {
    const connects = new EventRecorder();
    const { url } = await startGateway({
      limits: { newConnectionsPerSecond: 1 },
      routes: {
        $connect: {
          handler: async (event: Record<string, unknown>) => {
            connects.record(event);
            return { statusCode: 200 };
          },
        },
      },
    });
    const statuses = await Promise.all([rawUpgrade(url), rawUpgrade(url)]);
    assert.deepEqual(
      statuses.map((answer) => answer.status).sort((a, b) => a - b),
      [101, 429],
    );
    assert.equal(connects.events.length, 1);
  });

  it('11.83 messages above a route throttle get an error frame and do not reach the integration', async () => {
    const invoked: string[] = [];
    const { url } = await startGateway({
      routes: {
        $default: {
          handler: async (event: { body: string }) => {
            invoked.push(event.body);
            return { statusCode: 200, body: `echo ${event.body}` };
          },
          routeResponse: true,
          throttling: { burstLimit: 1, rateLimit: 0.001 },
        },
      },
    });
    const client = await connect(url);
    client.send('first');
    client.send('second');
    // Spec 4: responses need not arrive in order (checklist 46).
    const frames = [await client.next(), await client.next()];
    const echo = frames.find((frame) => frame === 'echo first');
    const error = frames.find((frame) => frame !== 'echo first');
    assert.ok(echo, `expected the first message's echo among ${JSON.stringify(frames)}`);
    assert.ok(error);
    const parsed = JSON.parse(error) as Record<string, unknown>;
    assert.equal(parsed.message, 'Too Many Requests');
    assert.equal(typeof parsed.connectionId, 'string');
    assert.equal(typeof parsed.requestId, 'string');
    assert.match(error, /^\{"message": "Too Many Requests", "connectionId":"[^"]+", "requestId":"[^"]+"\}$/);
    assert.equal(await client.silentFor(100), true);
    assert.deepEqual(invoked, ['first']);
    assert.equal(client.socket.readyState, client.socket.OPEN, 'a throttled message keeps the connection open');
    await client.close();
  });
});
