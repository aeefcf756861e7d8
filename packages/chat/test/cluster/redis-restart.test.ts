/**
 * Redis restarted mid-traffic. The cluster runs on a private redis-server of
 * this test (never the shared one), killed and started again on the same port
 * while users on three nodes keep sending: the nodes reconnect and resubscribe,
 * and no acknowledged message is lost (clients close gaps by catch-up).
 */
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { Frame } from '../chat-test-client.ts';
import {
  dropSchemas,
  freePort,
  type PrivateRedis,
  probe,
  startCluster,
  startPrivateRedis,
  untilRedisReportedDown,
  waitUntil,
} from './cluster-harness.ts';
import { assertEveryMemberHasEachAckedMessageOnce, oneRoomAcrossNodes } from './reconnecting-client.ts';

after(dropSchemas);

/** Messages each client sends once Redis is back. */
const MESSAGES_AFTER = 5;

describe('Redis restarted mid-traffic', () => {
  it('nodes reconnect and resubscribe, and no acknowledged message is lost', async (t) => {
    const port = await freePort();
    let redis: PrivateRedis = await startPrivateRedis(port);
    t.after(() => redis.kill());
    const nodes = await startCluster(t, 3, { redisUrl: redis.url });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'restart');

    // Every client sends before, during and after the outage: until Redis is back, then a few more.
    const acks: Frame[] = [];
    const phases = { before: 0, during: 0, after: 0 };
    let phase: keyof typeof phases = 'before';
    const traffic = clients.map(async (client) => {
      for (let i = 0, after = 0; phase !== 'after' || after < MESSAGES_AFTER; i++) {
        if (phase === 'after') after++;
        const ack = await client.sendMessage(roomId, `${client.name} #${i}`, `${client.name}-${i}-${randomUUID()}`);
        acks.push(ack);
        phases[phase]++;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    });
    await waitUntil(() => acks.length >= 10, 'some messages are acknowledged');
    await redis.kill();
    phase = 'during';
    await untilRedisReportedDown(nodes[0]!, 'node 0');
    await waitUntil(() => phases.during >= 10, 'messages are acknowledged while Redis is down');
    redis = await startPrivateRedis(port);
    phase = 'after';
    await Promise.all(traffic);

    for (const node of nodes) {
      await waitUntil(async () => (await probe(node.url, '/readyz')).status === 200, `${node.url} is ready again`);
    }
    // Resubscribed: a message from each node arrives live (a top-level frame, not in a catch-up) on the others.
    for (const sender of clients) {
      await waitUntil(async () => {
        const ack = await sender.sendMessage(roomId, `${sender.name} probe`);
        acks.push(ack);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return clients
          .filter((client) => client !== sender)
          .every((client) => client.frames.some((f) => f.type === 'message' && f.message.id === ack.message.id));
      }, `messages from ${sender.name} arrive live everywhere`);
    }

    await assertEveryMemberHasEachAckedMessageOnce(clients, roomId, acks);
  });
});
