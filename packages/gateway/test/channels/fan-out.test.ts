/**
 * Fan-out: a publish frames its message once and every recipient gets the same
 * bytes; frames queued for a socket within one event-loop tick go out together and
 * in order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectWithId, RawClient, whoami } from '../support/channels-harness.ts';
import { EventRecorder, startGateway, withTimeout } from '../support/gateway-harness.ts';

/** A server text frame as RFC 6455 5.2 lays it out: FIN + opcode 1, unmasked length, payload. */
function expectedTextFrame(payload: Buffer): Buffer {
  if (payload.length < 126) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const header = Buffer.from([0x81, 126, 0, 0]);
  header.writeUInt16BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

describe('channel fan-out', () => {
  it('every recipient receives byte-identical, well-formed frames', async () => {
    const connects = new EventRecorder();
    const { url, gateway } = await startGateway({
      routes: {
        $default: whoami,
        $connect: {
          handler: async (event: Record<string, unknown>) => {
            connects.record(event);
            return { statusCode: 200 };
          },
        },
      },
    });
    const clients: RawClient[] = [];
    for (let i = 0; i < 20; i++) {
      clients.push(await RawClient.connect(url));
      const event = await connects.nth(i + 1);
      await gateway.channels.subscribe(event.requestContext.connectionId, 'all');
    }
    const messages = [Buffer.from('{"n":1,"text":"hello"}'), Buffer.from('é'.repeat(100)), Buffer.from('last')];
    for (const message of messages) assert.equal(await gateway.channels.publish('all', message), 20);
    const expected = Buffer.concat(messages.map(expectedTextFrame));
    for (const client of clients) assert.deepEqual(await client.receivedAtLeast(expected.length), expected);
  });

  it('100 publishes in one tick arrive complete and in order at each of 50 clients', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const members = [];
    for (let i = 0; i < 50; i++) {
      const member = await connectWithId(url);
      await gateway.channels.subscribe(member.id, 'burst');
      members.push(member);
    }
    const publishes: Promise<number>[] = [];
    for (let i = 0; i < 100; i++) publishes.push(gateway.channels.publish('burst', `message ${i}`));
    assert.deepEqual(await Promise.all(publishes), new Array(100).fill(50));
    for (const { client } of members) {
      const received: string[] = [];
      for (let i = 0; i < 100; i++) received.push(await client.next());
      assert.deepEqual(
        received,
        Array.from({ length: 100 }, (_, i) => `message ${i}`),
      );
    }
  });

  it('publishes interleave in order with route responses and @connections posts to the same client', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'mixed');
    void gateway.channels.publish('mixed', 'first');
    void gateway.management.postToConnection({ ConnectionId: a.id, Data: 'second' });
    void gateway.channels.publish('mixed', 'third');
    const received = await withTimeout(
      Promise.all([a.client.next(), a.client.next(), a.client.next()]),
      3000,
      'three messages',
    );
    assert.deepEqual(received, ['first', 'second', 'third']);
  });
});
