/**
 * Backpressure: a client that stops reading is a slow consumer once more than
 * `limits.maxQueuedBytesPerConnection` wait for it. A publish drops it with close
 * code 1013 and `$disconnect` reports that code; fast clients keep receiving. A
 * `@connections` post to it answers 429 instead (spec 3.3), leaving it open.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocketEvent } from '../../src/events.ts';
import { SLOW_CONSUMER_CLOSE } from '../../src/server/outbound.ts';
import { disconnectRecorder, RawClient, whoami } from '../support/channels-harness.ts';
import { connect, EventRecorder, errorOf, startGateway, withTimeout } from '../support/gateway-harness.ts';

const KB = 1024;
/** Far more than the kernel's socket buffers on loopback hold, so the bound always trips first. */
const MAX_ROUNDS = 2048;

function recordingConnect(recorder: EventRecorder) {
  return {
    handler: async (event: WebSocketEvent) => {
      recorder.record(event);
      return { statusCode: 200 };
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('backpressure (limits.maxQueuedBytesPerConnection)', () => {
  it('a reader that stops reading is dropped with 1013, $disconnect fires, fast clients keep receiving', async () => {
    const connects = new EventRecorder();
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway({
      routes: { $default: whoami, $connect: recordingConnect(connects), $disconnect: disconnectRecorder(disconnects) },
      limits: { maxQueuedBytesPerConnection: 64 * KB },
    });
    const fast = await connect(url);
    const fastId = (await connects.nth(1)).requestContext.connectionId as string;
    await RawClient.connect(url, { read: false });
    const slowId = (await connects.nth(2)).requestContext.connectionId as string;
    await gateway.channels.subscribe(fastId, 'firehose');
    await gateway.channels.subscribe(slowId, 'firehose');

    let fastReceived = 0;
    fast.socket.on('message', () => {
      fastReceived++;
    });
    const message = 'm'.repeat(32 * KB);
    let published = 0;
    let rounds = 0;
    while (disconnects.events.length === 0 && rounds < MAX_ROUNDS) {
      rounds++;
      const recipients = await gateway.channels.publish('firehose', message);
      assert.ok(recipients >= 1, 'the fast client is always a recipient');
      published++;
      await nextTurn();
    }
    assert.ok(rounds < MAX_ROUNDS, 'the slow reader was never disconnected');
    const disconnect = await disconnects.nth(1);
    assert.equal(disconnect.requestContext.connectionId, slowId);
    assert.equal(disconnect.requestContext.disconnectStatusCode, SLOW_CONSUMER_CLOSE.code);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1013);
    assert.equal(disconnect.requestContext.disconnectReason, SLOW_CONSUMER_CLOSE.reason);
    assert.deepEqual(await gateway.channels.members('firehose'), [fastId]);

    // The fast client got every message, and keeps getting them.
    assert.equal(await gateway.channels.publish('firehose', 'after'), 1);
    published++;
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => (fastReceived >= published ? resolve() : void setTimeout(check, 5));
        check();
      }),
      5000,
      `the fast client did not get all ${published} messages`,
    );
    assert.equal(fastReceived, published);
    assert.equal(disconnects.events.length, 1);
  });

  it('a @connections post to a congested client is 429 LimitExceededException and leaves it connected', async () => {
    const connects = new EventRecorder();
    const { url, gateway } = await startGateway({
      routes: { $default: whoami, $connect: recordingConnect(connects) },
      limits: { maxQueuedBytesPerConnection: 64 * KB },
    });
    await RawClient.connect(url, { read: false });
    const id = (await connects.nth(1)).requestContext.connectionId as string;
    const data = 'p'.repeat(32 * KB);
    let error: Awaited<ReturnType<typeof errorOf>> | undefined;
    for (let round = 0; round < MAX_ROUNDS && !error; round++) {
      try {
        await gateway.management.postToConnection({ ConnectionId: id, Data: data });
      } catch (caught) {
        error = caught as typeof error;
      }
      await nextTurn();
    }
    assert.ok(error, 'no post was refused');
    assert.equal(error.name, 'LimitExceededException');
    assert.equal(error.$metadata.httpStatusCode, 429);
    const described = await gateway.management.getConnection({ ConnectionId: id });
    assert.ok(described.ConnectedAt instanceof Date, 'the connection is still open');
  });

  it('limits.maxQueuedBytesPerConnection is validated like the other limits', async () => {
    const { createGateway } = await import('../../src/gateway.ts');
    const error = await errorOf(
      createGateway({ routes: { $default: whoami }, limits: { maxQueuedBytesPerConnection: 0 } }, { logger: false }),
    );
    assert.match(error.message, /maxQueuedBytesPerConnection/);
  });
});
