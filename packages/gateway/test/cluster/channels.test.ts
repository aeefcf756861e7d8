/**
 * Cluster mode, channels: a publish on any node reaches every member on every node
 * exactly once, nodes subscribe to a channel's topic only while they have members,
 * and subscribe/members/count work for any connection from any node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { WebSocketEvent } from '../../src/events.ts';
import type { Gateway } from '../../src/gateway.ts';
import { connectWithId } from '../support/channels-harness.ts';
import { connect, type TestClient } from '../support/gateway-harness.ts';
import { eventually, REDIS_URL, startNodes, uniqueKeyPrefix } from './cluster-harness.ts';

/** How many nodes listen on a channel's topic. */
async function topicSubscribers(keyPrefix: string, channel: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const [, count] = (await redis.pubsub('NUMSUB', `${keyPrefix}:local00000:dev:channel:${channel}`)) as [
      string,
      number,
    ];
    return count;
  } finally {
    redis.disconnect();
  }
}

/** Asserts each client gets `text` once and then nothing more for a moment. */
async function assertReceivedOnce(clients: TestClient[], text: string): Promise<void> {
  for (const client of clients) assert.equal(await client.next(), text);
  for (const client of clients) assert.equal(await client.silentFor(150), true, 'a duplicate arrived');
}

describe('Cluster mode: channels across nodes', () => {
  it('a publish on node A reaches members on B and C exactly once; except works; members and count are cluster-wide', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const [a, b, c] = await startNodes(['a', 'b', 'c'], { keyPrefix });
    assert.ok(a && b && c);
    const a1 = await connectWithId(a.url);
    const b1 = await connectWithId(b.url);
    const b2 = await connectWithId(b.url);
    const c1 = await connectWithId(c.url);
    // Subscribed through nodes that do not hold them (forwarded) and through their own.
    await a.gateway.channels.subscribe(b1.id, 'room:1');
    await c.gateway.channels.subscribe(b2.id, 'room:1');
    await b.gateway.channels.subscribe(c1.id, 'room:1');
    await a.gateway.channels.subscribe(a1.id, 'room:1');
    await a.gateway.channels.subscribe(a1.id, 'room:1');

    assert.equal(await a.gateway.channels.publish('room:1', 'hello all'), 4);
    await assertReceivedOnce([a1.client, b1.client, b2.client, c1.client], 'hello all');

    assert.equal(await a.gateway.channels.publish('room:1', 'not b2', { exceptConnectionId: b2.id }), 3);
    await assertReceivedOnce([a1.client, b1.client, c1.client], 'not b2');
    assert.equal(await b2.client.silentFor(100), true);

    for (const node of [a, b, c]) {
      assert.deepEqual(
        (await node.gateway.channels.members('room:1')).sort(),
        [a1.id, b1.id, b2.id, c1.id].sort(),
        `members on node ${node.nodeId}`,
      );
      assert.equal(await node.gateway.channels.count('room:1'), 4);
    }
    assert.equal(await topicSubscribers(keyPrefix, 'room:1'), 3);

    // Node A loses its only member: it leaves the topic; the others keep getting publishes.
    await c.gateway.channels.unsubscribe(a1.id, 'room:1');
    assert.equal(await topicSubscribers(keyPrefix, 'room:1'), 2);
    assert.equal(await a.gateway.channels.publish('room:1', 'from a, no members here'), 3);
    await assertReceivedOnce([b1.client, b2.client, c1.client], 'from a, no members here');
    assert.equal(await a1.client.silentFor(100), true);

    // A closed connection leaves the cluster-wide member list.
    await c1.client.close();
    await c.disconnects.nth(1);
    // Node c writes the change to Redis right after the close, not before its $disconnect.
    await eventually(async () => (await a.gateway.channels.count('room:1')) === 2, 3000, 'c1 did not leave');
    assert.deepEqual((await a.gateway.channels.members('room:1')).sort(), [b1.id, b2.id].sort());
    assert.equal(await topicSubscribers(keyPrefix, 'room:1'), 1);
  });

  it('the @channels HTTP API of any node works cluster-wide', async () => {
    const [a, b] = await startNodes(['a', 'b'], { keyPrefix: uniqueKeyPrefix() });
    assert.ok(a && b);
    const b1 = await connectWithId(b.url);
    const put = await fetch(`${a.managementUrl}/@channels/news/members/${encodeURIComponent(b1.id)}`, {
      method: 'PUT',
    });
    assert.equal(put.status, 204);
    const get = await fetch(`${a.managementUrl}/@channels/news`);
    assert.deepEqual(await get.json(), { channel: 'news', count: 1, members: [b1.id] });
    const post = await fetch(`${a.managementUrl}/@channels/news`, { method: 'POST', body: 'extra!' });
    assert.deepEqual(await post.json(), { recipients: 1 });
    assert.equal(await b1.client.next(), 'extra!');
    const missing = await fetch(`${a.managementUrl}/@channels/news/members/AAAAAAAAAAAAAAA=`, { method: 'PUT' });
    assert.equal(missing.status, 410);
  });

  it('channels joined in $connect receive publishes from other nodes as soon as the handshake completes', async () => {
    const nodes: Gateway[] = [];
    const joinInConnect = {
      handler: async (event: WebSocketEvent) => {
        await nodes[1]?.channels.subscribe(event.requestContext.connectionId, 'lobby');
        return { statusCode: 200 };
      },
    };
    const [a, b] = await startNodes(
      ['a', 'b'],
      { keyPrefix: uniqueKeyPrefix() },
      { routes: { $connect: joinInConnect } },
    );
    assert.ok(a && b);
    nodes.push(a.gateway, b.gateway);
    const client = await connect(b.url);
    assert.equal(await a.gateway.channels.publish('lobby', 'welcome'), 1);
    assert.equal(await client.next(), 'welcome');
  });
});
