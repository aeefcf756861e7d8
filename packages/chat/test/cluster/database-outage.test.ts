/**
 * PostgreSQL unavailable: the nodes reach the database through a TCP relay
 * that the test cuts (connections refused) or turns into a blackhole (packets
 * dropped, nothing closed, as in a network partition). Sends get a
 * `STORE_UNAVAILABLE` error frame with their request id within the configured
 * timeouts and are never acknowledged, reads likewise, handshakes and the HTTP
 * endpoints get 503, `/readyz` answers 503 naming the store, each node logs the
 * outage and the recovery with its duration, nothing
 * acknowledged before is lost, nothing refused is committed behind the
 * client's back, and service resumes when the relay is back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { type Frame, PASSWORD, postJson, register, uniqueName, upgradeStatus } from '../chat-test-client.ts';
import { databaseAddress, type Relay, relayDatabase, startRelay } from '../tcp-relay.ts';
import { databaseUrl, dropSchemas, probe, startCluster, waitUntil } from './cluster-harness.ts';
import {
  assertEveryMemberHasEachAckedMessageOnce,
  oneRoomAcrossNodes,
  type ReconnectingClient,
} from './reconnecting-client.ts';

after(dropSchemas);

describe('PostgreSQL unavailable', () => {
  it('refuses sends with STORE_UNAVAILABLE, reports not ready, loses nothing and resumes', async (t) => {
    const first = await relayDatabase(databaseUrl);
    let relay: Relay = first.relay;
    t.after(() => relay.cut());
    const nodes = await startCluster(t, 3, { databaseUrl: first.url, connectionTimeoutMs: 1000 });
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

    relay = await startRelay(databaseAddress(databaseUrl), relay.port);
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

  it('answers within the timeouts when packets are dropped: error frames with request ids, 503 handshakes, logs, no hidden commit', async (t) => {
    const QUERY_TIMEOUT_MS = 1000;
    const CONNECTION_TIMEOUT_MS = 1500;
    // Generous for a loaded machine: a statement times out, then a new connection may have to.
    const BOUND_MS = QUERY_TIMEOUT_MS + CONNECTION_TIMEOUT_MS + 4000;
    const { relay, url } = await relayDatabase(databaseUrl);
    t.after(() => relay.cut());
    const logs: Array<{ level: number; msg: string; downMs?: number }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const nodes = await startCluster(t, 2, {
      databaseUrl: url,
      connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      logger,
    });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'partition');
    const newcomer = await register(nodes[0]!.url);
    const acks: Frame[] = [];
    for (const client of clients) acks.push(await client.sendMessage(roomId, 'before the partition'));

    relay.blackhole();
    const partitionedAt = Date.now();
    const refused: Array<{ client: ReconnectingClient; clientMessageId: string }> = [];
    for (const client of clients) {
      for (let i = 0; i < 2; i++) {
        const clientMessageId = `${client.name}-partitioned-${i}`;
        const started = Date.now();
        await assert.rejects(client.sendMessage(roomId, 'during the partition', clientMessageId), {
          code: 'STORE_UNAVAILABLE',
        });
        const took = Date.now() - started;
        assert.ok(took < BOUND_MS, `refused after ${took} ms, not within ${BOUND_MS} ms`);
        refused.push({ client, clientMessageId });
      }
    }
    // Each node has a client, so each has seen the store fail by now.
    const everyNodeDownAt = Date.now();
    // Every refusal names the request it answers.
    const errors = clients.flatMap((client) => client.sendErrors);
    assert.deepEqual(
      errors.map((frame) => [frame.requestId, frame.code]),
      refused.map(({ clientMessageId }) => [`send-${clientMessageId}`, 'STORE_UNAVAILABLE']),
    );
    // A handshake whose session cannot be checked is refused with 503, not 401 or 500.
    for (const node of nodes) {
      const started = Date.now();
      assert.equal(await upgradeStatus(`${node.webSocketUrl}?token=${newcomer.token}`), 503);
      assert.ok(Date.now() - started < BOUND_MS);
      assert.equal((await probe(node.url, '/readyz')).status, 503);
    }
    // Reads are refused the same way, naming their request and action.
    const read = await clients[0]!.request({ action: 'history', roomId });
    assert.deepEqual(
      [read.type, read.action, read.code, read.requestId !== undefined],
      ['error', 'history', 'STORE_UNAVAILABLE', true],
    );
    // The HTTP endpoints answer 503 with the code (a client may retry), not 500, and in time.
    const requests: Array<[`/api/${string}`, unknown]> = [
      ['/api/login', { username: newcomer.user.username, password: PASSWORD }],
      ['/api/register', { username: uniqueName(), password: PASSWORD }],
      ['/api/guest', {}],
    ];
    for (const [path, body] of requests) {
      const started = Date.now();
      const answer = await postJson(`${nodes[1]!.url}${path}`, body);
      assert.deepEqual([answer.status, answer.body.code], [503, 'STORE_UNAVAILABLE'], path);
      assert.ok(Date.now() - started < BOUND_MS, path);
    }
    const down = logs.filter((entry) => entry.msg === 'chat: the store is unavailable');
    assert.equal(down.length, nodes.length, 'one warning per node when the store goes down');

    const healedAt = Date.now();
    relay.heal();
    for (const node of nodes) {
      await waitUntil(async () => (await probe(node.url, '/readyz')).status === 200, `${node.url} is ready again`);
    }
    const back = logs.filter((entry) => entry.msg.startsWith('chat: the store answers again after'));
    assert.equal(back.length, nodes.length, 'one warning per node when the store is back');
    // The duration logged is the outage the node saw: from a failure after the partition began
    // (before its client's refusals ended) to an answer after it healed.
    const most = Date.now() - partitionedAt;
    const least = healedAt - everyNodeDownAt;
    for (const entry of back) {
      assert.equal(entry.level, 40);
      assert.ok(entry.downMs! >= least && entry.downMs! <= most, `down ${entry.downMs} ms, not ${least} to ${most}`);
      assert.equal(entry.msg, `chat: the store answers again after ${entry.downMs} ms`);
    }

    // Nothing refused was committed behind the client's back, then or later: the history has
    // none of them, and sent again with the same client message ids they are new messages.
    const history = await clients[0]!.request({ action: 'history', roomId, limit: 100 });
    assert.ok(!history.messages.some((message: Frame) => message.text === 'during the partition'));
    for (const { client, clientMessageId } of refused) {
      const ack = await client.sendMessage(roomId, 'during the partition', clientMessageId);
      assert.equal(ack.duplicate, false);
      acks.push(ack);
    }
    assert.equal(await upgradeStatus(`${nodes[1]!.webSocketUrl}?token=${newcomer.token}`), 101);
    await assertEveryMemberHasEachAckedMessageOnce(clients, roomId, acks);
  });

  it('answers a send whose commit reached the database but whose answer was lost as a duplicate on retry, stored once', async (t) => {
    const { relay, url } = await relayDatabase(databaseUrl);
    t.after(() => relay.cut());
    const nodes = await startCluster(t, 2, { databaseUrl: url, connectionTimeoutMs: 1500, queryTimeoutMs: 1000 });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'lost-answer');
    const [ada] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    // The partition begins as the send's COMMIT leaves for the database: it commits, nobody hears.
    relay.blackholeAfter('COMMIT');
    await assert.rejects(ada.sendMessage(roomId, 'committed unheard', 'lost-answer'), { code: 'STORE_UNAVAILABLE' });
    relay.heal();
    for (const node of nodes) {
      await waitUntil(async () => (await probe(node.url, '/readyz')).status === 200, `${node.url} is ready again`);
    }
    // The documented outcome (docs/protocol.md, STORE_UNAVAILABLE): the retry is answered as a
    // duplicate of the stored message, and the room holds it once.
    const retry = await ada.sendMessage(roomId, 'committed unheard', 'lost-answer');
    assert.equal(retry.duplicate, true);
    const history = await ada.request({ action: 'history', roomId, limit: 100 });
    const stored = history.messages.filter((message: Frame) => message.text === 'committed unheard');
    assert.deepEqual(
      stored.map((message: Frame) => message.id),
      [retry.message.id],
    );
  });

  it('forgets a connection that closed while the database was away once it is back, and says its user went offline', async (t) => {
    const first = await relayDatabase(databaseUrl);
    let relay: Relay = first.relay;
    t.after(() => relay.cut());
    const logs: Array<{ msg: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    // The stale-connection sweep (every 5 minutes) is not what forgets it here.
    const nodes = await startCluster(t, 2, { databaseUrl: first.url, connectionTimeoutMs: 1000, logger });
    const { clients, roomId } = await oneRoomAcrossNodes(t, nodes, 'gone-offline');
    const [leaving, staying] = clients as [ReconnectingClient, ReconnectingClient];
    const offline = (frame: Frame) => frame.type === 'presence' && frame.roomId === roomId && frame.online === false;

    await relay.cut();
    await leaving.close();
    await waitUntil(
      () => logs.some((line) => line.msg === '$disconnect integration failed'),
      'the $disconnect fails while the database is away',
    );
    relay = await startRelay(databaseAddress(databaseUrl), relay.port);
    await waitUntil(() => staying.frames.some(offline), 'the staying member hears the other went offline');
    const { users } = await staying.request({ action: 'online' });
    assert.equal(users.length, 1, JSON.stringify(users));
  });
});
