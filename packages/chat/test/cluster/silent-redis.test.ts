/**
 * A node whose Redis stops answering without closing the link (a partition that
 * drops packets, a hung Redis), as a TCP relay in front of that node's Redis
 * makes it: its commands fail after the node's TTL instead of waiting for as long
 * as TCP retransmits, so its sends are still acknowledged, it reports Redis down,
 * and it stops gracefully while the link is still silent. The other node's Redis
 * answers all along.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type ChatServer, startChatServer } from '../../src/server.ts';
import { WAIT_MS } from '../chat-test-client.ts';
import { startRelay } from '../tcp-relay.ts';
import {
  dropSchemas,
  freshKeyPrefix,
  freshSchema,
  nodeOptions,
  redisUrl,
  untilRedisReportedDown,
} from './cluster-harness.ts';
import { oneRoomAcrossNodes } from './reconnecting-client.ts';

after(dropSchemas);

describe('a node whose Redis goes silent', () => {
  it('acknowledges sends, reports Redis down and stops, all while the link stays silent', async (t) => {
    const shared = { schema: freshSchema(), keyPrefix: freshKeyPrefix() };
    const { hostname, port } = new URL(redisUrl);
    const relay = await startRelay({ host: hostname, port: Number(port || 6379) });
    const nodes: ChatServer[] = [];
    let silentNodeClosed = false;
    t.after(async () => {
      relay.heal();
      await Promise.all(nodes.map((node, index) => (index === 0 && silentNodeClosed ? undefined : node.close())));
      await relay.cut();
    });
    nodes.push(await startChatServer(nodeOptions(0, { ...shared, redisUrl: `redis://127.0.0.1:${relay.port}` })));
    nodes.push(await startChatServer(nodeOptions(1, shared)));
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'silent');
    const sender = clients[0]!;

    relay.blackhole();
    // The broadcast waits at most the node's TTL for Redis, then the ack goes out.
    const ack = await sender.request({
      action: 'sendMessage',
      roomId,
      text: 'into the silence',
      clientMessageId: randomUUID(),
    });
    assert.equal(ack.type, 'ack');
    await untilRedisReportedDown(nodes[0]!, 'the silent node');

    let closeTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      nodes[0]!.close(),
      new Promise((_, reject) => {
        closeTimer = setTimeout(() => reject(new Error('the node did not stop while Redis was silent')), WAIT_MS);
      }),
    ]).finally(() => clearTimeout(closeTimer));
    silentNodeClosed = true;
  });
});
