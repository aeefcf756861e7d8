/**
 * Scenario 3, idle memory per connection: process RSS growth over N idle,
 * authenticated and subscribed connections, divided by N, after a full GC on
 * both sides of the measurement. N is the most one server process can hold here
 * (the open-file limit is 20,000 per process). The kernel's own ~4 KB per socket
 * is not in RSS and not counted.
 */
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { harnessed } from '../servers/catalog.ts';
import { connectAll, type Scenario, sleep, timed, withServer } from './scenario.ts';

export const CONNECTIONS_FULL = 19_000;

export const idleMemory: Scenario = {
  name: 'idle-memory',
  number: 3,
  title: 'Idle memory per authenticated, subscribed connection',
  run: (options) =>
    timed(options, async () => {
      // Enough connections even in quick mode that RSS growth stands above allocator noise.
      const connections = options.quick ? 2_000 : CONNECTIONS_FULL;
      const caseLabel = `${connections.toLocaleString('en-US')} connections`;
      const rows: ResultRow[] = [];
      for (const name of harnessed(options.servers)) {
        options.log(`idle-memory: ${name}, ${caseLabel}`);
        rows.push(
          await withServer(name, caseLabel, { auth: true }, connections, async (harness) => {
            const { server } = harness;
            const before = await server.request({ type: 'memory' }, 'memory');
            await connectAll(harness, connections, 128);
            // Let allocation settle (buffers freed after the handshakes) before measuring.
            await sleep(options.quick ? 300 : 1_500);
            const after = await server.request({ type: 'memory' }, 'memory');
            if (after.subscribers !== connections)
              throw new Error(`${name}: ${after.subscribers} of ${connections} connections subscribed`);
            return {
              metrics: {
                connections,
                bytesPerConnection: (after.rss - before.rss) / connections,
                heapBytesPerConnection: (after.heapUsed - before.heapUsed) / connections,
                rssMiB: after.rss / 2 ** 20,
              },
            };
          }),
        );
      }
      return {
        scenario: 'idle-memory',
        number: 3,
        title: idleMemory.title,
        columns: [
          { key: 'bytesPerConnection', label: 'RSS bytes/conn', better: 'lower' },
          { key: 'heapBytesPerConnection', label: 'JS heap bytes/conn' },
          { key: 'rssMiB', label: 'RSS MiB at N', digits: 1 },
        ],
        primary: 'bytesPerConnection',
        rows,
        ratios: ratiosOf(rows, 'bytesPerConnection'),
        notes: [
          'RSS after two full GCs, before and after the connections; every connection passed the server’s token check and is in the bench channel/room/topic.',
        ],
      };
    }),
};
