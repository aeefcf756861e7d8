/**
 * PostgreSQL unavailable: the nodes reach the database through a TCP relay
 * that the test cuts. Sends get a `STORE_UNAVAILABLE` error frame and are
 * never acknowledged, `/readyz` answers 503 naming the store, nothing
 * acknowledged before is lost, and service resumes when the relay is back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Frame } from '../chat-test-client.ts';
import { type Relay, startRelay } from '../tcp-relay.ts';
import { databaseUrl, dropSchemas, probe, startCluster, waitUntil } from './cluster-harness.ts';
import {
  assertEveryMemberHasEachAckedMessageOnce,
  oneRoomAcrossNodes,
  type ReconnectingClient,
} from './reconnecting-client.ts';

after(dropSchemas);

describe('PostgreSQL unavailable', () => {
  it('refuses sends with STORE_UNAVAILABLE, reports not ready, loses nothing and resumes', async (t) => {
    const target = new URL(databaseUrl);
    const upstream = { host: target.hostname, port: Number(target.port || 5432) };
    let relay: Relay = await startRelay(upstream);
    t.after(() => relay.cut());
    const viaRelay = new URL(databaseUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    const nodes = await startCluster(t, 3, { databaseUrl: viaRelay.href, connectionTimeoutMs: 1000 });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'outage');
    const [ada] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    const acks: Frame[] = [];
    for (let i = 0; i < 3; i++)
      for (const client of clients) acks.push(await client.sendMessage(roomId, `before ${i}`));

    await relay.cut();
    const refused: Array<{ client: ReconnectingClient; clientMessageId: string }> = [];
    for (const client of clients) {
      const clientMessageId = `${client.name}-during-outage`;
      await assert.rejects(client.sendMessage(roomId, 'during the outage', clientMessageId), {
        code: 'STORE_UNAVAILABLE',
      });
      refused.push({ client, clientMessageId });
    }
    for (const node of nodes) {
      const { status, body } = await probe(node.url, '/readyz');
      assert.equal(status, 503);
      assert.deepEqual(body, { status: 'unavailable', down: ['store'], checks: { store: 'down', redis: 'up' } });
    }
    const errors = clients.flatMap((client) => client.sendErrors);
    assert.deepEqual(
      errors.map((frame) => [frame.type, frame.action, frame.code]),
      clients.map(() => ['error', 'sendMessage', 'STORE_UNAVAILABLE']),
    );

    relay = await startRelay(upstream, relay.port);
    for (const node of nodes) {
      await waitUntil(async () => (await probe(node.url, '/readyz')).status === 200, `${node.url} is ready again`);
    }
    // The refused sends were never stored: sent again, they are new messages, not duplicates.
    for (const { client, clientMessageId } of refused) {
      const ack = await client.sendMessage(roomId, 'during the outage', clientMessageId);
      assert.equal(ack.duplicate, false);
      acks.push(ack);
    }
    for (const client of clients) acks.push(await client.sendMessage(roomId, 'after'));
    // Acknowledged once, after the outage: never while the database was away.
    for (const { client, clientMessageId } of refused) {
      assert.equal(
        client.frames.filter((f) => f.type === 'ack' && f.requestId === `send-${clientMessageId}`).length,
        1,
      );
    }

    const expected = new Set(acks.map((ack) => ack.message.id as string));
    assert.equal(expected.size, acks.length);
    await assertEveryMemberHasEachAckedMessageOnce(clients, roomId, acks);
    // And the database holds exactly them.
    const history = await ada.request({ action: 'history', roomId, limit: 100 });
    const stored = history.messages.map((message: Frame) => message.id as string);
    assert.equal(stored.length, expected.size);
    assert.deepEqual(new Set(stored), expected);
  });
});
