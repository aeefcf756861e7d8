/**
 * Scenario 2, latency at fixed rates: 1,000 subscribers, messages published at
 * a steady rate (100k and 1M deliveries/s), publish-to-receive time of every
 * delivery. The stamp is taken when the server publishes, so the figures include
 * the server's queueing, the kernel and the receiver, not the publisher's timer.
 */
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { harnessed } from '../servers/catalog.ts';
import { connectAll, type Scenario, sleep, timed, withServer } from './scenario.ts';

export const latency: Scenario = {
  name: 'latency',
  number: 2,
  title: 'Publish-to-receive latency at fixed delivery rates',
  run: (options) =>
    timed(options, async () => {
      const subscribers = options.quick ? 200 : 1_000;
      const rates = options.quick ? [100_000] : [100_000, 1_000_000];
      const warmupMs = options.quick ? 300 : 1_000;
      const measureMs = options.quick ? 1_000 : 4_000;
      const rows: ResultRow[] = [];
      for (const rate of rates) {
        const caseLabel = `${formatRate(rate)} deliveries/s`;
        for (const name of harnessed(options.servers)) {
          options.log(`latency: ${name}, ${caseLabel}`);
          rows.push(
            await withServer(name, caseLabel, { auth: true }, subscribers, async (harness) => {
              const { server, load } = harness;
              await connectAll(harness, subscribers);
              const messagesPerSecond = rate / subscribers;
              const publishing = server.request(
                { type: 'rate', messagesPerSecond, durationMs: warmupMs + measureMs },
                'done',
              );
              await sleep(warmupMs);
              await load.record(true);
              const started = performance.now();
              await publishing;
              const seconds = (performance.now() - started) / 1000;
              // Let the last messages arrive before reading the histograms.
              await sleep(200);
              const stats = await load.stats();
              const histogram = stats.histogram;
              const achieved = stats.received / seconds;
              return {
                metrics: {
                  achievedPerSecond: achieved,
                  p50Ms: histogram.percentile(50) / 1000,
                  p90Ms: histogram.percentile(90) / 1000,
                  p99Ms: histogram.percentile(99) / 1000,
                  p999Ms: histogram.percentile(99.9) / 1000,
                  maxMs: histogram.max / 1000,
                },
                ...(achieved < rate * 0.95 ? { note: `sustained only ${formatRate(achieved)}/s` } : {}),
              };
            }),
          );
        }
      }
      return {
        scenario: 'latency',
        number: 2,
        title: latency.title,
        columns: [
          { key: 'achievedPerSecond', label: 'delivered/s' },
          { key: 'p50Ms', label: 'p50 ms', digits: 2, better: 'lower' },
          { key: 'p90Ms', label: 'p90 ms', digits: 2, better: 'lower' },
          { key: 'p99Ms', label: 'p99 ms', digits: 2, better: 'lower' },
          { key: 'p999Ms', label: 'p99.9 ms', digits: 2, better: 'lower' },
          { key: 'maxMs', label: 'max ms', digits: 2, better: 'lower' },
        ],
        primary: 'p99Ms',
        rows,
        ratios: ratiosOf(rows, 'p99Ms'),
        notes: [
          `${subscribers} subscribers, 100-byte messages published from a 1 ms timer; latency of every delivery in the measured ${measureMs / 1000} s (after ${warmupMs / 1000} s of warm-up).`,
        ],
      };
    }),
};

function formatRate(rate: number): string {
  return rate >= 1_000_000 ? `${+(rate / 1_000_000).toFixed(2)}M` : `${Math.round(rate / 1000)}k`;
}
