/**
 * Cluster mode under failure: a node killed without draining, Redis restarted
 * under traffic, Redis unreachable at start.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { Redis } from 'ioredis';
import { createGateway } from '../../src/gateway.ts';
import { connectWithId } from '../support/channels-harness.ts';
import { errorOf } from '../support/gateway-harness.ts';
import {
  eventually,
  FAST,
  freePort,
  PrivateRedis,
  REDIS_URL,
  sdkFor,
  startChildNode,
  startNodes,
  uniqueKeyPrefix,
} from './cluster-harness.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'cluster-node.ts');

describe('Cluster mode: failures', () => {
  it('a node killed with SIGKILL: one survivor runs $disconnect for its connections (1006) and they answer 410', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const [a, b] = await startNodes(['a', 'b'], { keyPrefix });
    assert.ok(a && b);
    const { child, url } = await startChildNode(fixture, { REDIS_URL, KEY_PREFIX: keyPrefix, NODE_ID: 'doomed' });
    const victim = await connectWithId(url);
    await a.gateway.channels.subscribe(victim.id, 'room:crash');
    assert.equal(await b.gateway.channels.count('room:crash'), 1);
    await a.gateway.management.postToConnection({ ConnectionId: victim.id, Data: 'still here' });
    assert.equal(await victim.client.next(), 'still here');

    child.kill('SIGKILL');
    await once(child, 'exit');
    const event = await Promise.race([a.disconnects.nth(1, 10_000), b.disconnects.nth(1, 10_000)]);
    assert.equal(event.requestContext.connectionId, victim.id);
    assert.equal(event.requestContext.eventType, 'DISCONNECT');
    assert.equal(event.requestContext.disconnectStatusCode, 1006);
    assert.equal(event.requestContext.disconnectReason, 'Connection lost: gateway node doomed stopped');
    assert.equal(event.requestContext.identity.sourceIp, '127.0.0.1');

    const gone = await errorOf(sdkFor(b).send(new PostToConnectionCommand({ ConnectionId: victim.id, Data: 'x' })));
    assert.equal(gone.name, 'GoneException');
    assert.equal(gone.$metadata.httpStatusCode, 410);
    assert.equal(await a.gateway.channels.count('room:crash'), 0);
    // Elected once: the other survivor does not run it again.
    assert.equal(
      await (a.disconnects.events.length === 1 ? b : a).disconnects.nth(1, 1500).catch(() => undefined),
      undefined,
    );
  });

  it('Redis restarted mid-traffic: nodes reconnect, register and subscribe again and say so; local posts never needed Redis', async () => {
    const redis = await PrivateRedis.start();
    const keyPrefix = uniqueKeyPrefix(redis.url);
    const [a, b] = await startNodes(['a', 'b'], { keyPrefix, redisUrl: redis.url });
    assert.ok(a && b);
    const member = await connectWithId(b.url);
    await a.gateway.channels.subscribe(member.id, 'room:r');
    assert.equal(await a.gateway.channels.publish('room:r', 'before'), 1);
    assert.equal(await member.client.next(), 'before');

    const resubscribed: (readonly string[])[] = [];
    b.gateway.cluster?.onResubscribed((ids) => resubscribed.push(ids));

    await redis.stop();
    // The local fast path: node b posts to its own connection without Redis.
    await b.gateway.management.postToConnection({ ConnectionId: member.id, Data: 'local, no redis' });
    assert.equal(await member.client.next(), 'local, no redis');
    const unavailable = await errorOf(a.gateway.management.postToConnection({ ConnectionId: member.id, Data: 'x' }));
    assert.equal((unavailable as Error & { code?: string }).code, 'SB_ERR_CLUSTER');

    await redis.restart(); // empty: everything the cluster knew must be written again
    const probe = new Redis(redis.url);
    probe.on('error', () => {});
    after(() => probe.disconnect());
    const topic = `${keyPrefix}:local00000:dev:channel:room:r`;
    await eventually(
      async () => {
        const [, subscribers] = (await probe.pubsub('NUMSUB', topic)) as [string, number];
        const count = await a.gateway.channels.count('room:r').catch(() => 0);
        return subscribers === 1 && count === 1;
      },
      10_000,
      'node b did not register and subscribe again',
    );
    // Publishes made meanwhile are lost for b's connections: b names them once its topics are back.
    await eventually(async () => resubscribed.length > 0, 10_000, 'node b did not report its resubscription');
    assert.deepEqual(resubscribed[0], [member.id]);
    assert.equal(await a.gateway.channels.publish('room:r', 'after'), 1);
    assert.equal(await member.client.next(), 'after');
    assert.deepEqual(await a.gateway.channels.members('room:r'), [member.id]);
    await a.gateway.management.postToConnection({ ConnectionId: member.id, Data: 'via a again' });
    assert.equal(await member.client.next(), 'via a again');
    assert.equal(a.disconnects.events.length + b.disconnects.events.length, 0, 'no connection was taken for lost');
  });

  it('an unreachable or bad redisUrl fails listen() with SB_ERR_CLUSTER naming redisUrl and the cause', async () => {
    const closedPort = await freePort();
    for (const [redisUrl, cause] of [
      [`redis://127.0.0.1:${closedPort}`, /ECONNREFUSED/],
      ['redis://no-such-host.invalid:6379', /ENOTFOUND|EAI_AGAIN/],
    ] as const) {
      const gateway = await createGateway(
        { routes: { $default: { handler: async () => ({ statusCode: 200 }) } } },
        { port: 0, tls: false, logger: false, cluster: { redisUrl, ...FAST } },
      );
      after(() => gateway.close());
      const error = (await errorOf(gateway.listen())) as Error & { code?: string };
      assert.equal(error.code, 'SB_ERR_CLUSTER');
      assert.match(error.message, /cluster\.redisUrl/);
      assert.ok(error.message.includes(redisUrl.replace('redis://', '')), error.message);
      assert.match(error.message, cause);
    }
    await assert.rejects(
      createGateway(
        { routes: { $default: { handler: async () => ({ statusCode: 200 }) } } },
        { logger: false, cluster: { redisUrl: 'http://127.0.0.1:6379' } },
      ),
      (error: Error & { code?: string }) => error.code === 'SB_ERR_CLUSTER' && /cluster\.redisUrl/.test(error.message),
    );
  });
});
