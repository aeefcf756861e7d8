/**
 * Quiet rooms: a message whose broadcast did not reach the members on other
 * nodes arrives anyway, with nothing else sent in the room (docs/operations.md,
 * "Redis restarts or is unreachable"):
 *
 * - Redis (a private redis-server of this test) is down while the message is
 *   acknowledged: once it is back, each node that resubscribed tells its
 *   connections `resync`, and they catch up at once. The heartbeat is set far
 *   beyond the test so that it cannot be what delivers.
 * - Only the sending node loses Redis (a TCP relay in front of its Redis is cut)
 *   while the message is acknowledged: the other nodes never lost their links,
 *   so once the sender's is back it tells the room `resync` itself.
 * - The sending node's broadcaster drops the publish (as a publish lost on the
 *   way would be): the members hear of it at their next heartbeat, whose
 *   interval the test shortens.
 *
 * Neither member reconnects: the message is not caught up by a `hello`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type ChatServer, startChatServer } from '../../src/server.ts';
import type { Frame } from '../chat-test-client.ts';
import { droppingPublishes } from '../dropping-broadcaster.ts';
import { startRelay } from '../tcp-relay.ts';
import {
  dropSchemas,
  freePort,
  freshKeyPrefix,
  freshSchema,
  nodeOptions,
  type PrivateRedis,
  redisUrl,
  startCluster,
  startPrivateRedis,
  untilRedisReportedDown,
  waitUntil,
} from './cluster-harness.ts';
import { oneRoomAcrossNodes, type ReconnectingClient } from './reconnecting-client.ts';

after(dropSchemas);

/** Waits until each of `members` has applied the message, and checks it came by catch-up, not live. */
async function assertCaughtUp(members: readonly ReconnectingClient[], roomId: string, ack: Frame): Promise<void> {
  for (const member of members) {
    await waitUntil(
      () => member.messages(roomId).some((message) => message.id === ack.message.id),
      `${member.name} has the message`,
    );
    assert.equal(member.reconnects, 0, `${member.name} did not reconnect`);
    assert.ok(
      !member.frames.some((frame) => frame.type === 'message' && frame.message.id === ack.message.id),
      `${member.name} did not get it live`,
    );
  }
}

describe('a quiet room', () => {
  it('a message acknowledged while Redis is down reaches the other nodes’ members once it is back (resync)', async (t) => {
    const port = await freePort();
    let redis: PrivateRedis = await startPrivateRedis(port);
    t.after(() => redis.kill());
    const nodes = await startCluster(t, 3, { redisUrl: redis.url, heartbeatIntervalMs: 3_600_000 });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'quiet-restart');
    const [sender, ...members] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    await redis.kill();
    await untilRedisReportedDown(nodes[1]!, 'node 1');
    const ack = await sender.sendMessage(roomId, 'said while Redis was down');
    redis = await startPrivateRedis(port);

    await assertCaughtUp(members, roomId, ack);
    for (const member of members) {
      assert.ok(
        member.frames.some((frame) => frame.type === 'resync'),
        `${member.name} was told to resync`,
      );
    }
  });

  it('a message acknowledged while only its node had lost Redis reaches the other nodes’ members once it is back', async (t) => {
    const { hostname, port } = new URL(redisUrl);
    const target = { host: hostname, port: Number(port || 6379) };
    let relay = await startRelay(target);
    const shared = { schema: freshSchema(), keyPrefix: freshKeyPrefix(), heartbeatIntervalMs: 3_600_000 };
    const nodes: ChatServer[] = [];
    t.after(async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await relay.cut();
    });
    nodes.push(await startChatServer(nodeOptions(0, { ...shared, redisUrl: `redis://127.0.0.1:${relay.port}` })));
    for (const index of [1, 2]) nodes.push(await startChatServer(nodeOptions(index, shared)));
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'quiet-one-node');
    const [sender, ...members] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    await relay.cut();
    await untilRedisReportedDown(nodes[0]!, 'node 0');
    const ack = await sender.sendMessage(roomId, 'said while only this node had lost Redis');
    relay = await startRelay(target, relay.port);

    await assertCaughtUp(members, roomId, ack);
    for (const member of members) {
      assert.ok(
        member.frames.some((frame) => frame.type === 'resync'),
        `${member.name} was told to resync`,
      );
    }
  });

  it('a publish lost on the way reaches the members within a heartbeat', async (t) => {
    const lost: string[] = [];
    // The first `message` publish is dropped.
    const droppingFirstMessage = droppingPublishes((message) => {
      if (message.type !== 'message' || lost.length > 0) return false;
      lost.push(message.message.id);
      return true;
    });
    const nodes = await startCluster(t, 3, { heartbeatIntervalMs: 1000, broadcaster: droppingFirstMessage });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'quiet-lost');
    const [sender, ...members] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    const ack = await sender.sendMessage(roomId, 'published into the void');
    assert.deepEqual(lost, [ack.message.id], 'the publish was dropped');
    await assertCaughtUp(members, roomId, ack);
  });
});
