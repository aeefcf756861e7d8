/**
 * Scenario 7, cross-node fan-out: N subscribers in one channel, split evenly over
 * two Switchboard nodes in cluster mode (each pinned to a core of its own), every
 * message published on node A. A fans out to its members and sends one Redis
 * PUBLISH; B fans out to its own. Beside it, in the same run and under the same
 * load generator, the single-node path of scenario 1 as the baseline.
 *
 * Two measurements per row: deliveries/s at saturation (scenario 1's credit
 * window, over the deliveries counted on both nodes) and publish-to-receive
 * latency at a fixed rate, separately for members on A and on B (the Redis hop).
 *
 * Only two cores here: the load processes and the runner share core 1 with node B,
 * and Redis runs where the scheduler puts it (the table shows its CPU).
 */
import { fileURLToPath } from 'node:url';
import type { ClusterOptions } from '@switchboard/gateway';
import { Redis } from 'ioredis';
import { LoadGenerator } from '../load/load-generator.ts';
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { ServerProcess } from '../servers/server-process.ts';
import { cpuMeter } from '../support/proc-stat.ts';
import { BURST } from './fan-out.ts';
import { type Scenario, sleep, timed, withServer } from './scenario.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Scenario 1's window: five bursts per subscriber undelivered at most. */
const WINDOW_PER_SUBSCRIBER = 5 * BURST;
/** The fixed delivery rate (all members together) the latency is taken at: far below saturation. */
const LATENCY_DELIVERIES_PER_SECOND = 100_000;
/** Node A on core 0 (it publishes), node B on core 1. */
const NODES = [
  { nodeId: 'a', core: 0 },
  { nodeId: 'b', core: 1 },
] as const;

interface Timing {
  warmupMs: number;
  measureMs: number;
  latencyWarmupMs: number;
  latencyMs: number;
}

/** What `measure` needs from a server under test. */
type NodeUnderTest = Pick<ServerProcess, 'pid' | 'request' | 'credit'>;

/** A node and the load process(es) holding its members. */
interface Side {
  node: NodeUnderTest;
  load: LoadGenerator;
}

export const crossNode: Scenario = {
  name: 'cross-node',
  number: 7,
  title: 'Cross-node fan-out over Redis (two nodes, one core each)',
  run: (options) =>
    timed(options, async () => {
      const sizes = options.quick ? [200] : [1_000, 10_000];
      const timing: Timing = options.quick
        ? { warmupMs: 200, measureMs: 500, latencyWarmupMs: 100, latencyMs: 500 }
        : { warmupMs: 1_000, measureMs: 3_000, latencyWarmupMs: 500, latencyMs: 3_000 };
      // One prefix per run keeps these keys apart from every other user of the Redis; all are deleted at the end.
      const keyPrefix = `bench-xnode-${process.pid}-${Date.now().toString(36)}`;
      const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      const reachable = await redis.connect().then(
        () => undefined,
        (error: unknown) =>
          `Redis at ${REDIS_URL} cannot be reached: ${error instanceof Error ? error.message : error}`,
      );
      const rows: ResultRow[] = [];
      try {
        for (const subscribers of sizes) {
          const caseLabel = `${subscribers.toLocaleString('en-US')} subscribers`;
          options.log(`cross-node: one node, ${caseLabel}`);
          const single = await withServer('switchboard', caseLabel, { auth: false }, subscribers, async (harness) => {
            const opened = await harness.load.connect(harness.target, subscribers);
            if (opened.opened !== subscribers)
              throw new Error(`${opened.opened} of ${subscribers} connections opened (${opened.firstError})`);
            return {
              metrics: await measure([{ node: harness.server, load: harness.load }], subscribers, timing, redis),
            };
          });
          rows.push({ ...single, server: 'switchboard-1-node', label: 'Switchboard, 1 node' });
          options.log(`cross-node: two nodes, ${caseLabel}`);
          rows.push(
            reachable === undefined
              ? await twoNodes(caseLabel, subscribers, { redisUrl: REDIS_URL, keyPrefix }, timing, redis)
              : {
                  case: caseLabel,
                  server: 'switchboard',
                  label: TWO_NODES,
                  available: false,
                  metrics: {},
                  note: reachable,
                },
          );
        }
      } finally {
        if (reachable === undefined) await deleteKeys(redis, keyPrefix);
        redis.disconnect();
      }
      return {
        scenario: 'cross-node',
        number: 7,
        title: crossNode.title,
        columns: [
          { key: 'deliveriesPerSecond', label: 'deliveries/s', better: 'higher' },
          { key: 'nodeACpuPercent', label: 'node A CPU %' },
          { key: 'nodeBCpuPercent', label: 'node B CPU %' },
          { key: 'redisCpuPercent', label: 'Redis CPU %' },
          { key: 'loadCpuPercent', label: 'receivers CPU %' },
          { key: 'aP50Ms', label: 'p50 ms on A', digits: 2 },
          { key: 'aP99Ms', label: 'p99 ms on A', digits: 2 },
          { key: 'bP50Ms', label: 'p50 ms on B', digits: 2 },
          { key: 'bP99Ms', label: 'p99 ms on B', digits: 2 },
          { key: 'dropped', label: 'clients dropped' },
        ],
        primary: 'deliveriesPerSecond',
        rows,
        ratios: ratiosOf(rows, 'deliveriesPerSecond'),
        notes: [
          `Deliveries/s: 100-byte messages, ${BURST} publishes per event-loop turn on node A, at most ${WINDOW_PER_SUBSCRIBER} undelivered per subscriber across both nodes (scenario 1's window); ${timing.measureMs / 1000} s measured after ${timing.warmupMs / 1000} s of warm-up. The ratio is two nodes ÷ one node in the same run.`,
          `Latency: publish (stamped on node A) to receive, at ${LATENCY_DELIVERIES_PER_SECOND.toLocaleString('en-US')} deliveries/s over all members, ${timing.latencyMs / 1000} s; "on B" includes the Redis hop. One node: every member is "on A".`,
          'Node A pinned to core 0, node B to core 1; the receivers and the runner are on core 1 too, and Redis is not pinned. One node: server on core 0, receivers on core 1, as in scenario 1 (without the authorizer, which runs only at the handshake, so both rows run the same definition).',
        ],
      };
    }),
};

const TWO_NODES = 'Switchboard, 2 nodes over Redis';

/** Starts nodes A and B, puts half the members on each, checks the Redis path, measures, stops everything. */
async function twoNodes(
  caseLabel: string,
  subscribers: number,
  cluster: ClusterOptions,
  timing: Timing,
  redis: Redis,
): Promise<ResultRow> {
  const row = { case: caseLabel, server: 'switchboard', label: TWO_NODES };
  const started = await Promise.allSettled(
    NODES.map(({ nodeId, core }) => startClusterNode(core, { ...cluster, nodeId })),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const shares = [Math.ceil(subscribers / 2), Math.floor(subscribers / 2)];
  const loads: LoadGenerator[] = [];
  try {
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const share of shares) loads.push(await LoadGenerator.start(share));
    await Promise.all(
      nodes.map(async (node, index) => {
        const opened = await loads[index]!.connect(node.target, shares[index]!);
        if (opened.opened !== shares[index])
          throw new Error(
            `node ${NODES[index]!.nodeId}: ${opened.opened} of ${shares[index]} connections opened (${opened.firstError})`,
          );
      }),
    );
    // One message end to end first: every member on both nodes must get it, or the numbers would mean nothing.
    await Promise.all(loads.map((load) => load.record(false)));
    await nodes[0]!.request({ type: 'publish-once' }, 'done');
    for (const [index, load] of loads.entries()) {
      const received = await load.waitForReceived(shares[index]!, 10_000);
      if (received < shares[index]!)
        throw new Error(
          `members on node ${NODES[index]!.nodeId} received ${received} of ${shares[index]} of a publish on node a`,
        );
    }
    const sides = nodes.map((node, index) => ({ node, load: loads[index]! }));
    return { ...row, available: true, metrics: await measure(sides, subscribers, timing, redis) };
  } catch (error) {
    return { ...row, available: false, metrics: {}, note: error instanceof Error ? error.message : String(error) };
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/**
 * Saturation, then latency at a fixed rate, publishing on the first side's node.
 * Metrics of the second node are absent for one node (the table shows `-`).
 */
async function measure(
  sides: Side[],
  subscribers: number,
  timing: Timing,
  redis: Redis,
): Promise<Record<string, number>> {
  const publisher = sides[0]!.node;
  const loads = sides.map((side) => side.load);

  await Promise.all(loads.map((load) => load.record(false)));
  const reported = sides.map(() => 0);
  await Promise.all(
    loads.map((load, index) =>
      load.progress(10, (received) => {
        reported[index] = received;
        publisher.credit(sum(reported));
      }),
    ),
  );
  const saturating = publisher.request(
    {
      type: 'saturate',
      durationMs: timing.warmupMs + timing.measureMs + 200,
      burst: BURST,
      maxOutstanding: Math.max(200_000, subscribers * WINDOW_PER_SUBSCRIBER),
    },
    'done',
  );
  await sleep(timing.warmupMs);
  const before = await Promise.all(loads.map((load) => load.stats()));
  const nodeCpu = sides.map((side) => cpuMeter(side.node.pid));
  const loadCpu = loads.flatMap((load) => load.pids).map((pid) => cpuMeter(pid));
  const redisCpu = await redisCpuSeconds(redis);
  const startedAt = performance.now();
  await sleep(timing.measureMs);
  const after = await Promise.all(loads.map((load) => load.stats()));
  const seconds = (performance.now() - startedAt) / 1000;
  const nodeCpuPercent = nodeCpu.map((meter) => meter.stop());
  const loadCpuPercent = sum(loadCpu.map((meter) => meter.stop()));
  const redisCpuPercent = (((await redisCpuSeconds(redis)) - redisCpu) / seconds) * 100;
  await saturating;
  await Promise.all(loads.map((load) => load.progress(0)));
  const delivered = sum(after.map((stats, index) => stats.received - before[index]!.received));
  const dropped = sum(after.map((stats) => stats.dropped));

  // What is still in flight from the saturation must not count as latency.
  await sleep(300);
  const publishing = publisher.request(
    {
      type: 'rate',
      messagesPerSecond: LATENCY_DELIVERIES_PER_SECOND / subscribers,
      durationMs: timing.latencyWarmupMs + timing.latencyMs,
    },
    'done',
  );
  await sleep(timing.latencyWarmupMs);
  await Promise.all(loads.map((load) => load.record(true)));
  await publishing;
  await sleep(200);
  const latency = await Promise.all(loads.map((load) => load.stats()));

  const metrics: Record<string, number> = {
    deliveriesPerSecond: delivered / seconds,
    redisCpuPercent,
    loadCpuPercent,
    dropped: dropped + sum(latency.map((stats) => stats.dropped)),
  };
  for (const [index, side] of ['A', 'B'].slice(0, sides.length).entries()) {
    const histogram = latency[index]!.histogram;
    metrics[`node${side}CpuPercent`] = nodeCpuPercent[index]!;
    metrics[`${side.toLowerCase()}P50Ms`] = histogram.percentile(50) / 1000;
    metrics[`${side.toLowerCase()}P99Ms`] = histogram.percentile(99) / 1000;
  }
  return metrics;
}

/** Redis's own CPU time (user + system, seconds) from INFO: it is not a child of ours, and may not be pinned. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function deleteKeys(redis: Redis, keyPrefix: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: `${keyPrefix}:*`, count: 1000 }) as AsyncIterable<string[]>)
    if (keys.length > 0) await redis.unlink(...keys);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

const CLUSTER_NODE_ENTRY = fileURLToPath(new URL('../servers/switchboard-cluster-node.ts', import.meta.url));

/** Starts a cluster node on `core` and waits until it has joined; rejects with the reason it could not. */
async function startClusterNode(core: number, cluster: ClusterOptions): Promise<ServerProcess> {
  const started = await ServerProcess.launch({
    name: `cluster node ${cluster.nodeId ?? ''}`.trim(),
    entry: CLUSTER_NODE_ENTRY,
    core,
    env: { BENCH_CLUSTER_OPTIONS: JSON.stringify(cluster) },
  });
  if (typeof started === 'string') throw new Error(started);
  return started;
}
