/**
 * Conformance: route responses and integration errors (spec 1.6, 2, 4; checklist 40-46).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createGateway } from '../../src/gateway.ts';
import type { LambdaContext } from '../../src/integrations/lambda-types.ts';
import {
  assertErrorFrame,
  connect,
  EventRecorder,
  recordingHandler,
  startGateway,
  type TestClient,
} from '../support/gateway-harness.ts';

/** Connects and returns the client with its connectionId (from a recording `$connect`). */
async function connectRecorded(url: string, connects: EventRecorder): Promise<[TestClient, string]> {
  const count = connects.events.length + 1;
  const client = await connect(url);
  const event = await connects.nth(count);
  return [client, event.requestContext.connectionId];
}

/** Collects whether each received frame was text or binary. */
function frameKinds(client: TestClient): boolean[] {
  const kinds: boolean[] = [];
  client.socket.on('message', (_data: Buffer, isBinary: boolean) => kinds.push(isBinary));
  return kinds;
}

describe('route responses and integration errors', () => {
  it('11.40 a one-way route (no route response): the Lambda result body is not sent to the client', async () => {
    const oneWay = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        oneway: { handler: recordingHandler(oneWay, { statusCode: 200, body: 'must not arrive' }) },
        probe: { handler: async () => ({ statusCode: 200, body: 'probe' }), routeResponse: true },
      },
    });
    const client = await connect(url);
    client.send({ action: 'oneway' });
    await oneWay.nth(1);
    assert.equal(await client.silentFor(150), true, 'the one-way result was sent');
    // A two-way probe afterwards: its reply must be the first frame the client gets.
    client.send({ action: 'probe' });
    assert.equal(await client.next(), 'probe');
    await client.close();
  });

  it('11.41 a two-way route ($default route response): the Lambda result body is sent as one text frame', async () => {
    const body = JSON.stringify({ reply: 'hi', spaced: 'a  b' });
    const { url } = await startGateway({
      routes: { $default: { handler: async () => ({ statusCode: 200, body }), routeResponse: true } },
    });
    const client = await connect(url);
    const kinds = frameKinds(client);
    client.send('hello');
    assert.equal(await client.next(), body);
    assert.deepEqual(kinds, [false]);
    assert.equal(await client.silentFor(100), true, 'more than one frame was sent');
    await client.close();
  });

  it('11.42 on a two-way route, {statusCode: 500, body: "x"} still delivers x as a normal frame', async () => {
    const { url } = await startGateway({
      routes: { $default: { handler: async () => ({ statusCode: 500, body: 'x' }), routeResponse: true } },
    });
    const client = await connect(url);
    const kinds = frameKinds(client);
    client.send('hello');
    assert.equal(await client.next(), 'x');
    assert.deepEqual(kinds, [false]);
    await client.close();
  });

  it('11.43 a Lambda that throws on a message route sends the Internal server error frame, also on one-way routes', async () => {
    const connects = new EventRecorder();
    const invoked = new EventRecorder();
    const failing = async (event: Record<string, unknown>) => {
      invoked.record(event);
      throw new Error('handler failed');
    };
    const { url } = await startGateway({
      routes: {
        $connect: { handler: recordingHandler(connects) },
        oneway: { handler: failing },
        twoway: { handler: failing, routeResponse: true },
        callback: {
          // A callback-style handler reporting an error fails the same way.
          handler: (event: Record<string, unknown>, _context: LambdaContext, callback: (error?: unknown) => void) => {
            invoked.record(event);
            callback(new Error('handler failed'));
          },
        },
      },
    });
    const [client, connectionId] = await connectRecorded(url, connects);
    for (const [count, action] of [
      [1, 'oneway'],
      [2, 'twoway'],
      [3, 'callback'],
    ] as const) {
      client.send({ action });
      const event = await invoked.nth(count);
      // The frame carries the failed request's own id.
      assertErrorFrame(await client.next(), 'Internal server error', connectionId, event.requestContext.requestId);
    }
    await client.close();
  });

  it('11.44 a message-route integration exceeding its timeout sends a frame starting with {"message": "Endpoint request timed out",', async () => {
    const connects = new EventRecorder();
    const invoked = new EventRecorder();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    after(() => release());
    const slow = async (event: Record<string, unknown>) => {
      invoked.record(event);
      await released;
      return { statusCode: 200, body: 'too late' };
    };
    const { url } = await startGateway({
      routes: {
        $connect: { handler: recordingHandler(connects) },
        twoway: { handler: slow, routeResponse: true, timeoutInMillis: 100 },
        oneway: { handler: slow, timeoutInMillis: 100 },
      },
    });
    const [client, connectionId] = await connectRecorded(url, connects);
    for (const [count, action] of [
      [1, 'twoway'],
      [2, 'oneway'],
    ] as const) {
      client.send({ action });
      const event = await invoked.nth(count);
      const frame = await client.next();
      assert.ok(frame.startsWith('{"message": "Endpoint request timed out",'), frame);
      assertErrorFrame(frame, 'Endpoint request timed out', connectionId, event.requestContext.requestId);
    }
    // The late result is not delivered after the timeout frame.
    release();
    assert.equal(await client.silentFor(100), true, 'the late result was sent');
    await client.close();
  });

  it('11.45 the integration timeout is configurable from 50 to 29000 ms and defaults to 29000', async () => {
    const handler = async () => ({ statusCode: 200 });
    for (const timeoutInMillis of [49, 29001, 50.5, 0, -1]) {
      await assert.rejects(
        createGateway({ routes: { $default: { handler, timeoutInMillis } } }, { logger: false }),
        (error: Error & { code?: string }) => {
          assert.equal(error.name, 'ConfigError');
          assert.equal(error.code, 'SB_ERR_CONFIG');
          assert.match(error.message, /routes\.\$default\.timeoutInMillis/);
          return true;
        },
        `timeoutInMillis ${timeoutInMillis} was accepted`,
      );
    }
    for (const timeoutInMillis of [50, 29000]) {
      const gateway = await createGateway({ routes: { $default: { handler, timeoutInMillis } } }, { logger: false });
      await gateway.close();
    }
    // The default is observed as the function sees it: its remaining time starts at 29000 ms.
    const remaining = new EventRecorder<{ ms: number }>();
    const { url } = await startGateway({
      routes: {
        $default: {
          handler: async (_event: unknown, context: LambdaContext) => {
            remaining.record({ ms: context.getRemainingTimeInMillis() });
            return { statusCode: 200 };
          },
        },
      },
    });
    const client = await connect(url);
    client.send('hello');
    const { ms } = await remaining.nth(1);
    assert.ok(ms > 28_000 && ms <= 29_000, `remaining time ${ms} ms does not start from 29000`);
    await client.close();
  });

  it('11.46 tests make no assumption about the processing order of messages sent back-to-back on one connection', async () => {
    const invoked = new EventRecorder();
    const { url } = await startGateway({
      routes: {
        $default: {
          handler: async (event: { body: string }) => {
            invoked.record(event);
            // Later messages finish first: a gateway that serialises would still pass, one that drops would not.
            const n = Number(JSON.parse(event.body).n);
            await new Promise((resolve) => setTimeout(resolve, (10 - n) * 5));
            return { statusCode: 200, body: `reply-${n}` };
          },
          routeResponse: true,
        },
      },
    });
    const client = await connect(url);
    const sent = Array.from({ length: 10 }, (_, n) => n);
    for (const n of sent) client.send({ n });
    const replies = new Set<string>();
    for (const _ of sent) replies.add(await client.next());
    assert.deepEqual(replies, new Set(sent.map((n) => `reply-${n}`)));
    assert.deepEqual(
      new Set(invoked.events.map((event) => event.body)),
      new Set(sent.map((n) => JSON.stringify({ n }))),
    );
    await client.close();
  });
});
