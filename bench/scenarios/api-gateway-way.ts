/**
 * Scenario 5, the API Gateway way vs channels: one broadcast to N connections,
 * timed from the moment the broadcaster starts (the stamp in the payload) to the
 * last delivery. Three ways:
 *   - Switchboard channel: one in-process `channels.publish`;
 *   - Switchboard `@connections`: N `PostToConnection` calls from the AWS SDK in
 *     another process, as an API Gateway app's Lambda does;
 *   - serverless-offline: the same N calls against its WebSocket emulation.
 */
import { fileURLToPath } from 'node:url';
import { LoadGenerator } from '../load/load-generator.ts';
import type { ClientTarget } from '../load/ws-client.ts';
import { type ResultRow, ratiosOf } from '../report/result.ts';
import type { CallerCommand, CallerReply } from '../servers/connections-caller.ts';
import { ServerProcess } from '../servers/server-process.ts';
import { startServerlessOffline } from '../servers/serverless-offline-process.ts';
import { IpcChild } from '../support/ipc-child.ts';
import { LOAD_CORE, startPinned } from '../support/pinned-process.ts';
import { type Scenario, timed } from './scenario.ts';

const CALLER_ENTRY = fileURLToPath(new URL('../servers/connections-caller.ts', import.meta.url));
const BROADCAST_TIMEOUT_MS = 120_000;

type Caller = IpcChild<Omit<CallerCommand, 'id'>, CallerReply>;

export const apiGatewayWay: Scenario = {
  name: 'api-gateway-way',
  number: 5,
  title: 'Broadcast to N connections: the API Gateway way vs one channel publish',
  run: (options) =>
    timed(options, async () => {
      const connections = options.quick ? 100 : 1_000;
      const broadcasts = options.quick ? 3 : 10;
      const caseLabel = `${connections.toLocaleString('en-US')} connections`;
      const rows: ResultRow[] = [];
      const caller: Caller = new IpcChild('connections caller', startPinned(CALLER_ENTRY, { core: LOAD_CORE }));
      try {
        if (options.servers.includes('switchboard')) {
          options.log(`api-gateway-way: switchboard channel and @connections, ${caseLabel}`);
          rows.push(...(await switchboardWays(caller, caseLabel, connections, broadcasts)));
        }
        if (options.servers.includes('serverless-offline')) {
          options.log(`api-gateway-way: serverless-offline, ${caseLabel}`);
          rows.push(await serverlessOfflineWay(caller, caseLabel, connections, broadcasts));
        }
      } finally {
        await caller.stop();
      }
      return {
        scenario: 'api-gateway-way',
        number: 5,
        title: apiGatewayWay.title,
        columns: [
          { key: 'medianMs', label: 'median broadcast ms', digits: 2, better: 'lower' },
          { key: 'bestMs', label: 'best ms', digits: 2 },
          { key: 'worstMs', label: 'worst ms', digits: 2 },
          { key: 'callsPerBroadcast', label: 'calls per broadcast' },
        ],
        primary: 'medianMs',
        rows,
        ratios: ratiosOf(rows, 'medianMs'),
        notes: [
          `${broadcasts} broadcasts each; a broadcast's time runs from the broadcaster's first call to the last of the ${connections} deliveries.`,
        ],
      };
    }),
};

async function switchboardWays(
  caller: Caller,
  caseLabel: string,
  connections: number,
  broadcasts: number,
): Promise<ResultRow[]> {
  const server = await ServerProcess.start('switchboard', { keepConnectionIds: true });
  if (typeof server === 'string')
    return [
      {
        case: caseLabel,
        server: 'switchboard',
        label: 'Switchboard channel',
        available: false,
        metrics: {},
        note: server,
      },
    ];
  const load = await LoadGenerator.start(connections);
  try {
    await connectOrThrow(load, server.target, connections);
    const channel = await timeBroadcasts(load, connections, broadcasts, async () => {
      await server.request({ type: 'publish-once' }, 'done');
    });
    const { ids } = await server.request({ type: 'connection-ids' }, 'connection-ids');
    const managementUrl = server.managementUrl!;
    const looped = await timeBroadcasts(load, connections, broadcasts, () => callAll(caller, managementUrl, ids));
    return [
      row(caseLabel, 'switchboard', 'Switchboard channel (1 publish)', channel, 1),
      row(caseLabel, 'switchboard-connections', 'Switchboard @connections loop (AWS SDK)', looped, ids.length),
    ];
  } finally {
    await load.stop();
    await server.stop();
  }
}

async function serverlessOfflineWay(
  caller: Caller,
  caseLabel: string,
  connections: number,
  broadcasts: number,
): Promise<ResultRow> {
  const label = 'serverless-offline @connections loop (AWS SDK)';
  const server = await startServerlessOffline();
  if (typeof server === 'string')
    return { case: caseLabel, server: 'serverless-offline', label, available: false, metrics: {}, note: server };
  const load = await LoadGenerator.start(connections);
  try {
    // One handshake at a time: with concurrent handshakes serverless-offline 13.10
    // hands $connect ids that its @connections then answers 410 for (a third of them at 4 in flight).
    await connectOrThrow(load, server.target, connections, 1);
    const ids = server.connectionIds();
    const times = await timeBroadcasts(load, connections, broadcasts, () => callAll(caller, server.managementUrl, ids));
    return row(caseLabel, 'serverless-offline', label, times, ids.length);
  } finally {
    await load.stop();
    await server.stop();
  }
}

async function connectOrThrow(load: LoadGenerator, target: ClientTarget, count: number, concurrency?: number) {
  const result = await load.connect(target, count, concurrency);
  if (result.opened !== count)
    throw new Error(`${result.opened} of ${count} connections opened (first error: ${result.firstError})`);
}

async function callAll(caller: Caller, endpoint: string, connectionIds: string[]): Promise<void> {
  const reply = await caller.request({ type: 'broadcast', endpoint, connectionIds }, BROADCAST_TIMEOUT_MS);
  if (reply.failed > 0) throw new Error(`${reply.failed} @connections posts failed: ${reply.firstError}`);
}

/** Runs `broadcast` `times` times; each time is the slowest delivery's publish-to-receive time. */
async function timeBroadcasts(
  load: LoadGenerator,
  connections: number,
  times: number,
  broadcast: () => Promise<void>,
): Promise<number[]> {
  const durations: number[] = [];
  for (let round = 0; round < times; round++) {
    await load.record(true);
    await broadcast();
    const received = await load.waitForReceived(connections, BROADCAST_TIMEOUT_MS);
    if (received < connections) throw new Error(`only ${received} of ${connections} deliveries arrived`);
    const { histogram } = await load.stats();
    durations.push(histogram.max / 1000);
  }
  return durations;
}

function row(caseLabel: string, server: string, label: string, durations: number[], calls: number): ResultRow {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    case: caseLabel,
    server,
    label,
    available: true,
    metrics: {
      medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
      bestMs: sorted[0] ?? 0,
      worstMs: sorted[sorted.length - 1] ?? 0,
      callsPerBroadcast: calls,
    },
  };
}
