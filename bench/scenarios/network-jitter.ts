/**
 * Scenario 9, delivery under network jitter (AnyCable's method): every client
 * reaches the server through a relay that cuts each of its connections after a
 * random 1-3 s (a cut every ~2 s per client), while some of the clients keep
 * sending for a fixed time. Then the cutting stops, and each client's tally
 * shows what it received of everything sent: delivered %, duplicates, and how
 * long each cut took to recover from. Side by side: the Switchboard chat with
 * the web client's connection code, Socket.IO 4 with its defaults, and
 * Socket.IO 4 with connection state recovery.
 */
import { fileURLToPath } from 'node:url';
import { ChatBenchClient } from '../load/chat-bench-client.ts';
import { FlakyRelay } from '../load/flaky-relay.ts';
import { SocketIoBenchClient } from '../load/socketio-bench-client.ts';
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { guestTokens, startChatProcess } from '../servers/chat-process.ts';
import { cpuMeter } from '../support/proc-stat.ts';
import { startReadyChild } from '../support/ready-child.ts';
import { type Scenario, sleep, timed, unavailableRow } from './scenario.ts';

const SOCKETIO_ROOM_ENTRY = fileURLToPath(new URL('../servers/socketio-room.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;
const QUIET_MS = 3_000;

/** What the scenario needs of a client, whichever server it talks to. */
interface JitterClient {
  tally: { receivedOf(sent: number): number; duplicates: number; lastNewAt: number };
  recoveries: number[];
  attempts: number;
  unacknowledged: number;
  /** Connected and past its handshake (the chat's welcome, Socket.IO's connect). */
  online: boolean;
  start(timeoutMs: number): Promise<void>;
  send(index: number): void;
  close(): void;
}

interface JitterSize {
  clients: number;
  /** The first `senders` clients send. */
  senders: number;
  /** Messages per second per sender. */
  rate: number;
  durationMs: number;
  /**
   * How long after the cutting stops every client may take to have every
   * message. The wait ends earlier when nothing more can come: every client
   * online, every send acknowledged and no new delivery for `QUIET_MS`.
   */
  settleTimeoutMs: number;
}

const FULL: JitterSize = { clients: 200, senders: 5, rate: 10, durationMs: 30_000, settleTimeoutMs: 60_000 };
const QUICK: JitterSize = { clients: 20, senders: 2, rate: 10, durationMs: 2_500, settleTimeoutMs: 8_000 };

interface System {
  server: string;
  label: string;
  /** Starts the server, returns the address clients reach through the relay and how to stop it. */
  start(): Promise<{ target: { host: string; port: number }; pid: number; stop(): Promise<void> }>;
  clients(relayPort: number, count: number, capacity: number): Promise<JitterClient[]>;
}

export const networkJitter: Scenario = {
  name: 'network-jitter',
  number: 9,
  title: 'Delivery under network jitter (a cut every ~2 s per client)',
  run: (options) =>
    timed(options, async () => {
      const size = options.quick ? QUICK : FULL;
      const caseLabel = `${size.clients} clients, ${size.senders} sending`;
      const systems = [
        ...(options.servers.includes('switchboard') ? [switchboardChat()] : []),
        ...(options.servers.includes('socketio') ? [socketIo(false), socketIo(true)] : []),
      ];
      const rows: ResultRow[] = [];
      for (const system of systems) {
        options.log(`network-jitter: ${system.label}`);
        rows.push(
          await runJitter(system, size, caseLabel).catch((error: unknown) =>
            unavailableRow(caseLabel, system.server, system.label, error),
          ),
        );
      }
      return {
        scenario: 'network-jitter',
        number: 9,
        title: networkJitter.title,
        columns: [
          { key: 'deliveredPercent', label: 'delivered %', digits: 2, better: 'higher' },
          { key: 'worstClientPercent', label: 'worst client %', digits: 2 },
          { key: 'sent', label: 'messages sent' },
          { key: 'lost', label: 'deliveries lost' },
          { key: 'duplicates', label: 'duplicates' },
          { key: 'cuts', label: 'cuts' },
          { key: 'recoverP50Ms', label: 'reconnect p50 ms' },
          { key: 'recoverP99Ms', label: 'reconnect p99 ms' },
          { key: 'attemptsPerReconnect', label: 'attempts per reconnect', digits: 2 },
          { key: 'settledMs', label: 'all delivered after ms' },
          { key: 'serverCpuPercent', label: 'server CPU %' },
        ],
        primary: 'deliveredPercent',
        rows,
        ratios: ratiosOf(rows, 'deliveredPercent'),
        notes: [
          `${size.clients} clients in one room, each connection through a relay on loopback that resets it (RST) after a random 1-3 s; ${size.senders} of the clients send ${size.rate} messages/s each for ${size.durationMs / 1000} s, then the cutting stops and every client has up to ${size.settleTimeoutMs / 1000} s to receive the rest (the wait ends sooner once every client is back, every send acknowledged and nothing new arrived for ${QUIET_MS / 1000} s). Delivered % is the share of (messages sent × clients) received, "worst client %" the lowest single client's; a duplicate is a message received a second time. Reconnect: from a cut to the client being back (the chat's welcome, Socket.IO's connect). "All delivered after": from the end of the cutting to the last client's last new message.`,
          "Clients use their own recovery: the chat client is the web client's connection code (reconnect with backoff from 0.5 s, catch-up from the last seq, unacknowledged sends repeated with their clientMessageId); Socket.IO clients reconnect with their default backoff (1 s to 5 s) and send with retries and a 5 s ack timeout (at least once). The server on core 0; clients and the relay in the runner on core 1.",
          ...rows.filter((row) => row.available).map(targetVerdict),
        ],
      };
    }),
};

/** The target, 100% delivered with 0 duplicates, as met or missed. */
function targetVerdict(row: ResultRow): string {
  const { deliveredPercent = 0, duplicates = 0, lost = 0 } = row.metrics;
  const met = lost === 0 && duplicates === 0;
  return `Target (100% delivered, 0 duplicates), ${row.label}: ${met ? 'met' : `missed (${deliveredPercent.toFixed(2)}% delivered, ${duplicates} duplicates)`}.`;
}

async function runJitter(system: System, size: JitterSize, caseLabel: string): Promise<ResultRow> {
  const server = await system.start();
  const relay = await FlakyRelay.start({ target: server.target });
  const capacity = size.senders * size.rate * Math.ceil(size.durationMs / 1000 + 1);
  let clients: JitterClient[] = [];
  try {
    clients = await system.clients(relay.port, size.clients, capacity);
    await Promise.all(clients.map((client) => client.start(START_TIMEOUT_MS)));
    relay.startCutting();
    const serverCpu = cpuMeter(server.pid);
    let sent = 0;
    const senders = clients.slice(0, size.senders);
    const timers = senders.map((sender) =>
      setInterval(() => {
        if (sent < capacity) sender.send(sent++);
      }, 1000 / size.rate),
    );
    await sleep(size.durationMs);
    for (const timer of timers) clearInterval(timer);
    const serverCpuPercent = serverCpu.stop();
    relay.calm();
    const calmAt = Date.now();
    const deadline = calmAt + size.settleTimeoutMs;
    const settled = (): boolean => {
      if (!senders.every((sender) => sender.unacknowledged === 0)) return false;
      if (clients.every((client) => client.tally.receivedOf(sent) === sent)) return true;
      const lastNewAt = Math.max(...clients.map((client) => client.tally.lastNewAt));
      return clients.every((client) => client.online) && Date.now() - Math.max(lastNewAt, calmAt) >= QUIET_MS;
    };
    while (!settled() && Date.now() < deadline) await sleep(POLL_MS);
    const waitedMs = Date.now() - calmAt;
    const received = clients.map((client) => client.tally.receivedOf(sent));
    const recoveries = clients.flatMap((client) => client.recoveries).sort((a, b) => a - b);
    const lastNewAt = Math.max(...clients.map((client) => client.tally.lastNewAt));
    const lost = sent * clients.length - received.reduce((sum, count) => sum + count, 0);
    return {
      case: caseLabel,
      server: system.server,
      label: system.label,
      available: true,
      metrics: {
        deliveredPercent: percentOf(sent * clients.length - lost, sent * clients.length),
        worstClientPercent: percentOf(Math.min(...received), sent),
        sent,
        lost,
        duplicates: clients.reduce((sum, client) => sum + client.tally.duplicates, 0),
        cuts: relay.cuts,
        recoverP50Ms: percentileOf(recoveries, 50),
        recoverP99Ms: percentileOf(recoveries, 99),
        attemptsPerReconnect:
          recoveries.length === 0
            ? 0
            : (clients.reduce((sum, client) => sum + client.attempts, 0) - clients.length) / recoveries.length,
        settledMs: Math.max(0, lastNewAt - calmAt),
        serverCpuPercent,
      },
      ...(lost > 0 && {
        note: `${lost} deliveries missing when the wait ended, ${(waitedMs / 1000).toFixed(1)} s after the cutting stopped`,
      }),
    };
  } finally {
    for (const client of clients) client.close();
    await relay.close();
    await server.stop();
  }
}

function switchboardChat(): System {
  let webSocketUrl = '';
  let httpUrl = '';
  return {
    server: 'switchboard',
    label: 'Switchboard chat',
    async start() {
      const chat = await startChatProcess();
      webSocketUrl = chat.webSocketUrl;
      httpUrl = chat.url;
      const { hostname, port } = new URL(chat.webSocketUrl);
      return { target: { host: hostname, port: Number(port) }, pid: chat.pid, stop: chat.stop };
    },
    async clients(relayPort, count, capacity) {
      const tokens = await guestTokens(httpUrl, count);
      return tokens.map((token) => {
        const url = new URL(webSocketUrl);
        url.port = String(relayPort);
        url.searchParams.set('token', token);
        return new ChatBenchClient({ url: url.href, roomName: 'general', capacity });
      });
    },
  };
}

function socketIo(recovery: boolean): System {
  return {
    server: recovery ? 'socketio-recovery' : 'socketio',
    label: recovery ? 'Socket.IO 4, connection state recovery' : 'Socket.IO 4 (default)',
    async start() {
      const server = await startReadyChild<{ type: 'ready'; port: number }>(
        'Socket.IO server',
        SOCKETIO_ROOM_ENTRY,
        recovery ? { BENCH_SOCKETIO_RECOVERY: '1' } : {},
      );
      return { target: { host: '127.0.0.1', port: server.ready.port }, pid: server.pid, stop: server.stop };
    },
    async clients(relayPort, count, capacity) {
      return Array.from({ length: count }, () => new SocketIoBenchClient(`http://127.0.0.1:${relayPort}`, capacity));
    },
  };
}

function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : (part / whole) * 100;
}

/** The value at or below which `percent` of the sorted `values` lie (0 for none). */
function percentileOf(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1))]!;
}
