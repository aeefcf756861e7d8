/**
 * The `$connect`/`$disconnect` contract across a cluster of three node processes
 * under faults, with clients that keep talking and reconnect wherever they can:
 * Redis restarted empty, a node stopped (SIGSTOP) past its liveness window and
 * resumed, a node killed with SIGKILL. After each, every `$connect` that succeeded
 * has exactly one `$disconnect`, and no connection was served by a second process
 * or after its `$disconnect` began. One cluster serves the three in turn.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { sleep } from '../support/gateway-harness.ts';
import { eventually, PrivateRedis, uniqueKeyPrefix } from './cluster-harness.ts';
import type { NodeRecord } from './fixtures/recording-node.ts';
import {
  assertPairing,
  LOST_REASON,
  nowAndThen,
  type RecordingNode,
  RecordSink,
  startRecordingNodes,
  stopAll,
  Talker,
  talkers,
  urlsOf,
} from './pairing-harness.ts';

const REAP_CONCURRENCY = 4;
const DISCONNECT_MS = 20;

// One cluster serves the three tests in turn; built in the suite, whose hooks end it.
describe('Cluster mode: every $connect gets exactly one $disconnect', async () => {
  const redis = await PrivateRedis.start();
  const sink = await RecordSink.start();
  const [a, b, c] = (await startRecordingNodes(['a', 'b', 'c'], {
    keyPrefix: uniqueKeyPrefix(redis.url),
    redisUrl: redis.url,
    sink,
    extra: { DISCONNECT_MS: String(DISCONNECT_MS), REAP_CONCURRENCY: String(REAP_CONCURRENCY) },
  })) as [RecordingNode, RecordingNode, RecordingNode];

  it('Redis restarted empty while clients come and go: the nodes keep their connections', async (t) => {
    const steady = talkers(15, urlsOf([a, b, c]));
    const churning = talkers(30, urlsOf([a, b, c]), nowAndThen);
    t.after(() => stopAll([...steady, ...churning]));
    await Promise.all([...steady, ...churning].map((talker) => talker.opened()));
    await sleep(300);

    await redis.stop();
    // Clients close, and handshakes are refused with 503, while Redis is away.
    await sleep(1500);
    await redis.restart();
    await sleep(1500);

    assert.deepEqual(
      steady.map((talker) => talker.cutOff),
      steady.map(() => 0),
      'no node cut its connections off',
    );
    await stopAll([...steady, ...churning]);
    await assertPairing(sink);
  });

  it('a node stopped past its liveness window and resumed fences itself, serves nothing more, and rejoins as a new node', async (t) => {
    const onC = talkers(40, () => [c.url]);
    const elsewhere = talkers(10, urlsOf([a, b]), nowAndThen);
    t.after(() => stopAll([...onC, ...elsewhere]));
    await Promise.all([...onC, ...elsewhere].map((talker) => talker.opened()));

    const stoppedAt = Date.now();
    c.child.kill('SIGSTOP');
    const lostBySurvivor = () =>
      sink.disconnectsOfConnectionsIn(c.child.pid as number).filter((record) => record.pid !== c.child.pid);
    // Resumed as soon as a survivor has begun its clean-up, so often in the middle of it.
    await eventually(async () => lostBySurvivor().length > 0, 20_000, 'no survivor noticed the stopped node');
    c.child.kill('SIGCONT');
    const stoppedMs = Date.now() - stoppedAt;
    // The resumed node cuts its clients off; they reconnect, here to the other nodes.
    for (const talker of onC) talker.urls = urlsOf([a, b]);
    await eventually(
      async () => onC.every((talker) => talker.cutOff > 0 && !talker.lastNodeId.startsWith('c')),
      20_000,
      'the resumed node kept serving its clients',
    );

    // It serves again, under a new id.
    const fresh = new Talker({ urls: () => [c.url] });
    t.after(() => fresh.stop());
    await eventually(async () => fresh.answers > 0, 20_000, 'the fenced node did not rejoin');
    assert.match(fresh.lastNodeId, /^c\.[1-9]\d*$/);

    await stopAll([...onC, ...elsewhere, fresh]);
    await assertPairing(sink);
    const lost = sink
      .disconnectsOfConnectionsIn(c.child.pid as number)
      .filter((record) => LOST_REASON.test(record.reason ?? ''));
    const bySurvivor = lost.filter((record) => record.pid !== c.child.pid).length;
    t.diagnostic(
      `stopped ${stoppedMs} ms; $disconnect of its connections run by a survivor: ${bySurvivor}, by the node itself: ${lost.length - bySurvivor}`,
    );
  });

  it('a node killed with SIGKILL: one survivor runs its $disconnects, at most reapConcurrency at a time', async (t) => {
    const onC = talkers(80, () => [c.url]);
    const elsewhere = talkers(20, urlsOf([a, b]), nowAndThen);
    t.after(() => stopAll([...onC, ...elsewhere]));
    await Promise.all([...onC, ...elsewhere].map((talker) => talker.opened()));
    // Every client on the node has been served (and so its connection counts below).
    await eventually(async () => onC.every((talker) => talker.answers > 0), 20_000, 'the clients were not served');
    await sleep(100);
    const pid = c.child.pid as number;

    const killedAt = Date.now();
    c.child.kill('SIGKILL');
    await once(c.child, 'exit');
    for (const talker of onC) talker.urls = urlsOf([a, b]);
    // A handshake the kill caught between its $connect and its directory entry (a
    // client reconnecting, if the loaded node fenced itself) leaves its facts nowhere
    // but in the dead process: such connections never opened and are left out.
    const served = new Set(sink.of('message').map((record) => record.connectionId));
    const neverOpened = (connect: NodeRecord): boolean => connect.pid === pid && !served.has(connect.connectionId);
    const left = (): NodeRecord[] => {
      const ended = new Set(sink.of('disconnect').map((record) => record.connectionId));
      return sink
        .of('connect')
        .filter((record) => record.pid === pid && !neverOpened(record) && !ended.has(record.connectionId));
    };
    await eventually(async () => left().length === 0, 20_000, 'the survivors did not clean up').catch(
      (error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(left())}`);
      },
    );
    // The node's id at the kill (it has a new one after each fence, and a loaded node may fence).
    const victimId = sink.of('connect').findLast((record) => record.pid === pid)?.nodeId;
    const reaped = sink
      .of('disconnect')
      .filter((record) => record.reason === `Connection lost: gateway node ${victimId} stopped`);
    const lastAt = Math.max(...reaped.map((record) => record.at));
    t.diagnostic(
      `${reaped.length} connections of the killed node: the last $disconnect started ${lastAt - killedAt} ms after the kill (nodeTtlMs 1500, heartbeatMs 250, reapConcurrency ${REAP_CONCURRENCY}, ${DISCONNECT_MS} ms per $disconnect)`,
    );
    assert.ok(reaped.length > 0);
    assert.equal(new Set(reaped.map((record) => record.pid)).size, 1, 'one survivor cleans up');
    assert.ok(Math.max(...reaped.map((record) => record.running ?? 0)) <= REAP_CONCURRENCY);
    assert.ok(reaped.every((record) => record.code === 1006 && record.pid !== pid));

    await stopAll([...onC, ...elsewhere]);
    await assertPairing(sink, neverOpened);
  });
});
