/**
 * Cluster mode, `@connections`: three nodes over Redis answer for each other's
 * connections with the real AWS SDK client, with one node's status codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Redis } from 'ioredis';
import { connectWithId } from '../support/channels-harness.ts';
import { errorOf, withTimeout } from '../support/gateway-harness.ts';
import { REDIS_URL, sdkFor, startNodes, uniqueKeyPrefix } from './cluster-harness.ts';

describe('Cluster mode: @connections across nodes', () => {
  it('POST, GET and DELETE sent to a node that does not hold the connection answer 200/204, then 410', async () => {
    const [a, b] = await startNodes(['a', 'b', 'c'], { keyPrefix: uniqueKeyPrefix() });
    assert.ok(a && b);
    const { client, id } = await connectWithId(b.url);
    const sdk = sdkFor(a);

    await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'from node a' }));
    assert.equal(await client.next(), 'from node a');

    const described = await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
    assert.equal(described.Identity?.SourceIp, '127.0.0.1');
    assert.ok(described.ConnectedAt instanceof Date);
    assert.ok(described.LastActiveAt instanceof Date);
    assert.ok(Math.abs((described.ConnectedAt as Date).getTime() - Date.now()) < 60_000);

    await sdk.send(new DeleteConnectionCommand({ ConnectionId: id }));
    assert.equal((await withTimeout(client.closed, 3000, 'the client was not closed')).code, 1000);
    const disconnect = await b.disconnects.nth(1);
    assert.equal(disconnect.requestContext.connectionId, id);
    assert.equal(disconnect.requestContext.disconnectStatusCode, 1000);

    const gone = await errorOf(sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'late' })));
    assert.equal(gone.name, 'GoneException');
    assert.equal(gone.$metadata.httpStatusCode, 410);
    const unknownGet = await errorOf(sdk.send(new GetConnectionCommand({ ConnectionId: id })));
    assert.equal(unknownGet.name, 'GoneException');
  });

  it('the in-process management client of one node reaches connections of another, bytes intact', async () => {
    const [a, b] = await startNodes(['a', 'b'], { keyPrefix: uniqueKeyPrefix() });
    assert.ok(a && b);
    const { client, id } = await connectWithId(b.url);
    await a.gateway.management.postToConnection({ ConnectionId: id, Data: 'line one\nline two ✓' });
    assert.equal(await client.next(), 'line one\nline two ✓');
    const binary = new Promise<Buffer>((resolve) =>
      client.socket.once('message', (data: Buffer, isBinary: boolean) => resolve(isBinary ? data : Buffer.alloc(0))),
    );
    await a.gateway.management.postToConnection({ ConnectionId: id, Data: Uint8Array.from([0xff, 0x00, 0x0a, 0xfe]) });
    assert.deepEqual([...(await withTimeout(binary, 3000, 'no binary message'))], [0xff, 0x00, 0x0a, 0xfe]);
    const description = await a.gateway.management.getConnection({ ConnectionId: id });
    assert.equal(description.Identity.SourceIp, '127.0.0.1');
  });

  it('a malformed id is 400 and an id no node holds is 410, as on one node', async () => {
    const [a] = await startNodes(['a', 'b'], { keyPrefix: uniqueKeyPrefix() });
    assert.ok(a);
    const bad = await fetch(`${a.managementUrl}/@connections/not-an-id`, { method: 'POST', body: 'x' });
    assert.equal(bad.status, 400);
    const unknown = await fetch(`${a.managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'POST', body: 'x' });
    assert.equal(unknown.status, 410);
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'GoneException');
  });

  it('close() drains with 1001, deregisters the node, and its connections answer 410 on the others', async () => {
    const keyPrefix = uniqueKeyPrefix();
    const [a, c] = await startNodes(['a', 'c'], { keyPrefix });
    assert.ok(a && c);
    const { client, id } = await connectWithId(c.url);
    await c.gateway.close();
    const closed = await withTimeout(client.closed, 3000, 'the client was not closed');
    assert.equal(closed.code, 1001);
    assert.equal((await c.disconnects.nth(1)).requestContext.disconnectStatusCode, 1001);

    const gone = await errorOf(sdkFor(a).send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })));
    assert.equal(gone.name, 'GoneException');
    const redis = new Redis(REDIS_URL);
    try {
      const prefix = `${keyPrefix}:local00000:dev`;
      assert.deepEqual(await redis.smembers(`${prefix}:nodes`), ['a']);
      assert.equal(await redis.exists(`${prefix}:node:c`, `${prefix}:node:c:conns`, `${prefix}:conn:${id}`), 0);
    } finally {
      redis.disconnect();
    }
  });
});
