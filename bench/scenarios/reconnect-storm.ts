/**
 * Scenario 10, a reconnect storm: many chat clients (the web client's
 * connection code, spread over 127.0.0.x source addresses) in one room while a
 * member keeps sending; the server restarts (stops, and starts again on the
 * same port and data), so every connection drops at once and each client
 * comes back with its own backoff and catches up from its last `seq`. Measured:
 * the time until all are back and until all hold every message, messages lost
 * or received twice, and the restarted server's peak memory and CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatBenchClient } from '../load/chat-bench-client.ts';
import { SOURCE_ADDRESSES } from '../load/load-generator.ts';
import {
  addStormStatus,
  emptyStormStatus,
  type StormCommand,
  type StormReply,
  type StormStatus,
} from '../load/storm-protocol.ts';
import type { ResultRow } from '../report/result.ts';
import { type ChatProcess, guestTokens, startChatProcess } from '../servers/chat-process.ts';
import { IpcChild } from '../support/ipc-child.ts';
import { LOAD_CORE, startPinned } from '../support/pinned-process.ts';
import { cpuSampler, peakRssBytes } from '../support/proc-stat.ts';
import { type Scenario, sleep, timed, unavailableRow } from './scenario.ts';

const WORKER_ENTRY = fileURLToPath(new URL('../load/storm-worker.ts', import.meta.url));
/** Clients per client process (each holds one socket per client, below the open-file limit). */
const CLIENTS_PER_PROCESS = 5_000;
const ROOM = 'general';
const POLL_MS = 250;

interface StormSize {
  connections: number;
  /** Messages per second from the sending member, from before the restart until `tailMs` after it. */
  rate: number;
  /** Sending before the restart. */
  steadyMs: number;
  tailMs: number;
  /** How long after the restart everyone may take to be back and caught up. */
  recoveryTimeoutMs: number;
}

/** The full run's size; `BENCH_STORM_CONNECTIONS` sets the number of connections. */
const FULL: StormSize = {
  connections: Number(process.env.BENCH_STORM_CONNECTIONS ?? 1_000),
  rate: 5,
  steadyMs: 3_000,
  tailMs: 5_000,
  recoveryTimeoutMs: 300_000,
};
const QUICK: StormSize = { connections: 100, rate: 5, steadyMs: 1_000, tailMs: 1_000, recoveryTimeoutMs: 30_000 };

export const reconnectStorm: Scenario = {
  name: 'reconnect-storm',
  number: 10,
  title: 'Reconnect storm (every connection dropped by a server restart)',
  run: (options) =>
    timed(options, async () => {
      const size = options.quick ? QUICK : FULL;
      if (!Number.isInteger(size.connections) || size.connections < 1)
        throw new Error(`BENCH_STORM_CONNECTIONS must be a whole number above 0, not ${size.connections}`);
      const caseLabel = `${size.connections.toLocaleString('en-US')} connections`;
      options.log(`reconnect-storm: ${caseLabel}`);
      const row = await runStorm(size, caseLabel, options.log).catch((error: unknown) =>
        unavailableRow(caseLabel, 'switchboard', 'Switchboard chat', error),
      );
      const { lost = 0, duplicates = 0 } = row.metrics;
      return {
        scenario: 'reconnect-storm',
        number: 10,
        title: reconnectStorm.title,
        columns: [
          { key: 'caughtUpMs', label: 'all caught up after ms', better: 'lower' },
          { key: 'allBackMs', label: 'all back after ms' },
          { key: 'stopMs', label: 'server stop ms' },
          { key: 'downMs', label: 'server down ms' },
          { key: 'reconnects', label: 'reconnects' },
          { key: 'handshakeTimeouts', label: 'handshakes timed out' },
          { key: 'presencePerClient', label: 'presence frames per client' },
          { key: 'sent', label: 'messages sent' },
          { key: 'lost', label: 'deliveries lost' },
          { key: 'duplicates', label: 'duplicates' },
          { key: 'peakRssMiB', label: 'server peak RSS MiB', digits: 1 },
          { key: 'peakCpuPercent', label: 'server peak CPU %' },
          { key: 'meanCpuPercent', label: 'server mean CPU %' },
        ],
        primary: 'caughtUpMs',
        rows: [row],
        ratios: [],
        notes: [
          `Every client is a guest in #${ROOM} using the web client's connection code (reconnect with backoff from 0.5 s doubling to 30 s, half of it random; hello; catch-up from the last seq), over ${SOURCE_ADDRESSES.length} source addresses; one more member sends ${size.rate} messages/s from ${size.steadyMs / 1000} s before the restart until ${size.tailMs / 1000} s after it. The restart stops the server (its clients see the socket close) and starts it again on the same port and SQLite data. Times run from the start of the restart; "caught up" means every client holds every message sent, each exactly once. Server on core 0 (peak RSS and CPU of the restarted process, CPU sampled every ${POLL_MS} ms); the clients (${CLIENTS_PER_PROCESS.toLocaleString('en-US')} per process) and the runner on core 1.`,
          row.available
            ? `Target (0 lost, 0 duplicated): ${lost === 0 && duplicates === 0 ? 'met' : `missed (${lost} lost, ${duplicates} duplicates)`}.`
            : `Not run: ${row.note}`,
        ],
      };
    }),
};

async function runStorm(size: StormSize, caseLabel: string, log: (line: string) => void): Promise<ResultRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-storm-'));
  const capacity = size.rate * Math.ceil((size.steadyMs + size.tailMs) / 1000 + 2);
  const workers: IpcChild<StormCommand, StormReply>[] = [];
  let server: ChatProcess | undefined;
  let sender: ChatBenchClient | undefined;
  try {
    server = await startChatProcess({ dataDir });
    const port = Number(new URL(server.webSocketUrl).port);
    const tokens = await guestTokens(server.url, size.connections + 1);
    const urlOf = (token: string): string => {
      const url = new URL(server!.webSocketUrl);
      url.searchParams.set('token', token);
      return url.href;
    };
    sender = new ChatBenchClient({ url: urlOf(tokens[0]!), roomName: ROOM, capacity });
    await sender.start(60_000);
    const clientTokens = tokens.slice(1);
    for (let start = 0; start < clientTokens.length; start += CLIENTS_PER_PROCESS)
      workers.push(new IpcChild('storm clients', startPinned(WORKER_ENTRY, { core: LOAD_CORE })));
    log(`reconnect-storm: opening ${size.connections} clients`);
    await Promise.all(
      workers.map((worker, index) =>
        ask(worker, {
          type: 'open',
          id: 0,
          urls: clientTokens.slice(index * CLIENTS_PER_PROCESS, (index + 1) * CLIENTS_PER_PROCESS).map(urlOf),
          addresses: SOURCE_ADDRESSES,
          roomName: ROOM,
          capacity,
        }),
      ),
    );
    let sent = 0;
    const sending = setInterval(() => {
      if (sent < capacity) sender!.send(sent++);
    }, 1000 / size.rate);
    await sleep(size.steadyMs);
    const presenceBefore = (await statusOf(workers, sent)).presenceFrames;
    log('reconnect-storm: restarting the server');
    const restartAt = Date.now();
    const stopSending = setTimeout(() => clearInterval(sending), size.tailMs);
    await server.stop();
    server = undefined;
    const stopMs = Date.now() - restartAt;
    server = await startChatProcess({ dataDir, port });
    const downMs = Date.now() - restartAt;
    const cpu = cpuSampler(server.pid, POLL_MS);
    const deadline = restartAt + size.recoveryTimeoutMs;
    let status = await statusOf(workers, sent);
    while (Date.now() < deadline) {
      const done =
        Date.now() >= restartAt + size.tailMs &&
        sender.unacknowledged === 0 &&
        status.online === size.connections &&
        status.caughtUp === size.connections;
      if (done) break;
      await sleep(POLL_MS);
      status = await statusOf(workers, sent);
    }
    clearTimeout(stopSending);
    clearInterval(sending);
    const { meanPercent, peakPercent } = cpu.stop();
    const peakRss = peakRssBytes(server.pid);
    const recovered = status.online === size.connections && status.caughtUp === size.connections;
    const allBackMs = status.lastOnlineAt - restartAt;
    return {
      case: caseLabel,
      server: 'switchboard',
      label: 'Switchboard chat',
      available: true,
      metrics: {
        caughtUpMs: Math.max(allBackMs, status.lastNewAt - restartAt),
        allBackMs,
        stopMs,
        downMs,
        reconnects: status.reconnects,
        handshakeTimeouts: status.handshakeTimeouts,
        presencePerClient: (status.presenceFrames - presenceBefore) / size.connections,
        sent,
        lost: status.lost,
        duplicates: status.duplicates,
        peakRssMiB: peakRss / 2 ** 20,
        peakCpuPercent: peakPercent,
        meanCpuPercent: meanPercent,
      },
      ...(!recovered && {
        note: `${size.recoveryTimeoutMs / 1000} s after the restart ${status.online} of ${size.connections} were back and ${status.caughtUp} caught up`,
      }),
    };
  } finally {
    sender?.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function ask(worker: IpcChild<StormCommand, StormReply>, command: StormCommand): Promise<StormReply> {
  const reply = await worker.request(command, 600_000);
  if (reply.type === 'failed') throw new Error(`a storm client process failed: ${reply.error}`);
  return reply;
}

/** Every client process's status, summed. */
async function statusOf(workers: IpcChild<StormCommand, StormReply>[], sent: number): Promise<StormStatus> {
  const replies = await Promise.all(workers.map((worker) => ask(worker, { type: 'status', id: 0, sent })));
  const total = emptyStormStatus();
  for (const reply of replies) if (reply.type === 'status') addStormStatus(total, reply.status);
  return total;
}
