/**
 * Scenario 4, connection rate: handshakes completed per second with 64
 * handshakes in flight, without and with a token check on the upgrade
 * (Switchboard: a REQUEST authorizer; ws: verifyClient; Socket.IO: a middleware;
 * uWS: the upgrade handler). Socket.IO counts once its namespace answered `40`.
 * Beside the rate, the server's own CPU time per handshake (from /proc): on a
 * shared host the rate moves with the neighbours' load, the CPU cost much less.
 */
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { harnessed } from '../servers/catalog.ts';
import { cpuSeconds } from '../support/proc-stat.ts';
import { type Scenario, timed, withServer } from './scenario.ts';

export const connectionRate: Scenario = {
  name: 'connection-rate',
  number: 4,
  title: 'Connection rate (WebSocket handshakes per second)',
  run: (options) =>
    timed(options, async () => {
      const connections = options.quick ? 300 : 5_000;
      const rows: ResultRow[] = [];
      for (const auth of [false, true]) {
        const caseLabel = auth ? 'with authorizer' : 'without authorizer';
        for (const name of harnessed(options.servers)) {
          options.log(`connection-rate: ${name}, ${caseLabel}`);
          rows.push(
            await withServer(name, caseLabel, { auth }, connections, async ({ server, load, target }) => {
              // Handshake only: no subscribe message, so every server does the same work.
              const { hello: _hello, ...plain } = target;
              const cpuBefore = cpuSeconds(server.pid);
              const result = await load.connect(plain, connections, 64);
              const cpuUsed = cpuSeconds(server.pid) - cpuBefore;
              return {
                metrics: {
                  handshakesPerSecond: (result.opened / result.elapsedMs) * 1000,
                  serverCpuMicrosPerHandshake: result.opened > 0 ? (cpuUsed * 1e6) / result.opened : 0,
                  opened: result.opened,
                  failed: result.failed,
                },
                ...(result.failed > 0 ? { note: `${result.failed} failed: ${result.firstError}` } : {}),
              };
            }),
          );
        }
      }
      return {
        scenario: 'connection-rate',
        number: 4,
        title: connectionRate.title,
        columns: [
          { key: 'handshakesPerSecond', label: 'handshakes/s', better: 'higher' },
          { key: 'serverCpuMicrosPerHandshake', label: 'server CPU µs/handshake', better: 'lower' },
          { key: 'opened', label: 'opened' },
          { key: 'failed', label: 'failed' },
        ],
        primary: 'handshakesPerSecond',
        rows,
        ratios: ratiosOf(rows, 'handshakesPerSecond'),
        notes: [`${connections} connections per server and case, from fresh source ports over 40 loopback addresses.`],
      };
    }),
};
