/**
 * Scenario 1, fan-out at saturation: N subscribers in one channel, 100-byte
 * messages published as fast as each server can deliver them. Reports the
 * deliveries per second the clients counted and the server's CPU share (a
 * server below ~95% was held back by the receivers, not by itself).
 */
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { harnessed } from '../servers/catalog.ts';
import { cpuMeter } from '../support/proc-stat.ts';
import { connectAll, type Scenario, sleep, timed, withServer } from './scenario.ts';

/** Messages published per event-loop turn: a busy server handles several inbound messages per turn. */
export const BURST = 10;
/** Undelivered messages allowed per subscriber (five bursts). */
const WINDOW_PER_SUBSCRIBER = 5 * BURST;

export const fanOut: Scenario = {
  name: 'fan-out',
  number: 1,
  title: 'Fan-out at saturation (one core for the server)',
  run: (options) =>
    timed(options, async () => {
      const sizes = options.quick ? [200] : [1_000, 10_000];
      const warmupMs = options.quick ? 300 : 1_000;
      const measureMs = options.quick ? 1_000 : 3_000;
      const rows: ResultRow[] = [];
      for (const subscribers of sizes) {
        const caseLabel = `${subscribers.toLocaleString('en-US')} subscribers`;
        for (const name of harnessed(options.servers)) {
          options.log(`fan-out: ${name}, ${caseLabel}`);
          rows.push(
            await withServer(name, caseLabel, { auth: true }, subscribers, async (harness) => {
              const { server, load } = harness;
              await connectAll(harness, subscribers);
              await load.record(false);
              await load.progress(10, (received) => server.credit(received));
              const done = server.request(
                {
                  type: 'saturate',
                  durationMs: warmupMs + measureMs + 200,
                  burst: BURST,
                  // Enough undelivered messages per subscriber for several bursts, at least 200k
                  // deliveries: credit arrives every 10 ms and must never idle a 2M/s server.
                  maxOutstanding: Math.max(200_000, subscribers * WINDOW_PER_SUBSCRIBER),
                },
                'done',
              );
              await sleep(warmupMs);
              const before = (await load.stats()).received;
              const cpu = cpuMeter(server.pid);
              const loadCpu = load.pids.map((pid) => cpuMeter(pid));
              const startedAt = performance.now();
              await sleep(measureMs);
              const after = await load.stats();
              const seconds = (performance.now() - startedAt) / 1000;
              const cpuPercent = cpu.stop();
              const loadCpuPercent = loadCpu.reduce((sum, meter) => sum + meter.stop(), 0);
              const { published } = await done;
              await load.progress(0);
              return {
                metrics: {
                  deliveriesPerSecond: (after.received - before) / seconds,
                  serverCpuPercent: cpuPercent,
                  loadCpuPercent,
                  published,
                  dropped: after.dropped,
                },
              };
            }),
          );
        }
      }
      return {
        scenario: 'fan-out',
        number: 1,
        title: fanOut.title,
        columns: [
          { key: 'deliveriesPerSecond', label: 'deliveries/s', better: 'higher' },
          { key: 'serverCpuPercent', label: 'server CPU %' },
          { key: 'loadCpuPercent', label: 'receivers CPU %' },
          { key: 'dropped', label: 'clients dropped' },
        ],
        primary: 'deliveriesPerSecond',
        rows,
        ratios: ratiosOf(rows, 'deliveriesPerSecond'),
        notes: [
          `100-byte text messages, ${BURST} publishes per event-loop turn, at most ${WINDOW_PER_SUBSCRIBER} undelivered messages per subscriber (credit from the receivers every 10 ms). Server pinned to core 0, receivers to core 1.`,
        ],
      };
    }),
};
