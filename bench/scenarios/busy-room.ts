/**
 * Scenario 11, a busy room across nodes: every member of one room (guests in
 * `#general`) is a client with the web client's connection code
 * (`ChatBenchClient`), half of them on each node of a two-node cluster
 * (PostgreSQL and Redis); a few of them send, spread over both nodes, at a fixed
 * total rate. Each delivery is timed from its send to the moment the client
 * applies it (in order, so a held gap counts). Side by side in one run: the web
 * client as it is (a short reorder window before a catch-up) and with the window
 * off (`reorderWindowMs: 0`, how it was before), at a quiet rate and a busy one.
 * The clients count the live events that arrived out of order and the
 * `catchUp` requests they sent.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { ChatBenchClient } from '../load/chat-bench-client.ts';
import { Histogram } from '../load/histogram.ts';
import { nowMicros } from '../load/payload.ts';
import { markProfileWindow } from '../report/profile.ts';
import { type ResultRow, ratiosOf } from '../report/result.ts';
import { DATABASE_URL, dropSchema, freshSchema, REDIS_URL, startPostgresChat } from '../servers/chat-cluster.ts';
import { type ChatProcess, guestTokens } from '../servers/chat-process.ts';
import { type Scenario, sleep, timed, unavailableRow } from './scenario.ts';

interface BusyRoomSize {
  members: number;
  /** The first `senders` members send, in turn. */
  senders: number;
  /** Messages per second into the room, all senders together. */
  rates: number[];
  durationMs: number;
  /** The wait after the members connect, while their presence announcements settle. */
  settleMs: number;
}

const FULL: BusyRoomSize = { members: 300, senders: 8, rates: [2, 80], durationMs: 15_000, settleMs: 1_000 };
const QUICK: BusyRoomSize = { members: 10, senders: 2, rates: [80], durationMs: 1_000, settleMs: 200 };
const ROOM = 'general';
const START_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 20_000;
const OPEN_CONCURRENCY = 50;

const SYSTEMS = [
  { server: 'switchboard', label: 'Switchboard chat, client reorder window (default)', reorderWindowMs: undefined },
  { server: 'switchboard-no-window', label: 'Switchboard chat, no reorder window (before)', reorderWindowMs: 0 },
] as const;

export const busyRoom: Scenario = {
  name: 'busy-room',
  number: 11,
  title: 'A busy room across two nodes (live delivery, catch-up requests)',
  run: (options) =>
    timed(options, async () => {
      const size = options.quick ? QUICK : FULL;
      // The CI smoke runs the client as it is only.
      const systems = options.quick ? SYSTEMS.slice(0, 1) : SYSTEMS;
      const rows: ResultRow[] = [];
      const caseOf = (rate: number): string => `${rate} msg/s, ${size.members} members, 2 nodes`;
      const missing = await missingService();
      const schema = freshSchema();
      let nodes: ChatProcess[] = [];
      try {
        if (missing) throw new Error(missing);
        nodes = await startPostgresChat(2, schema);
        const tokens = await guestTokens(nodes[0]!.url, size.members);
        for (const rate of size.rates) {
          for (const system of systems) {
            options.log(`busy-room: ${system.label}, ${caseOf(rate)}`);
            rows.push(
              await runCase(nodes, tokens, size, rate, system.reorderWindowMs).then(
                (metrics): ResultRow => ({
                  case: caseOf(rate),
                  server: system.server,
                  label: system.label,
                  available: true,
                  metrics,
                }),
                (error: unknown) => unavailableRow(caseOf(rate), system.server, system.label, error),
              ),
            );
          }
        }
      } catch (error) {
        for (const rate of size.rates)
          for (const system of systems) rows.push(unavailableRow(caseOf(rate), system.server, system.label, error));
      } finally {
        await Promise.all(nodes.map((node) => node.stop()));
        if (nodes.length > 0) await dropSchema(schema).catch(() => {});
      }
      return {
        scenario: 'busy-room',
        number: 11,
        title: busyRoom.title,
        columns: [
          { key: 'deliveredPerSecond', label: 'deliveries/s' },
          { key: 'p50Ms', label: 'p50 ms', digits: 1 },
          { key: 'p99Ms', label: 'p99 ms', digits: 1, better: 'lower' },
          { key: 'maxMs', label: 'max ms', digits: 1 },
          { key: 'outOfOrder', label: 'events out of order' },
          { key: 'catchUps', label: 'catch-up requests' },
          { key: 'catchUpsPerOutOfOrder', label: 'catch-ups per out-of-order event', digits: 3 },
          { key: 'lost', label: 'deliveries lost' },
        ],
        primary: 'p99Ms',
        rows,
        ratios: ratiosOf(rows, 'p99Ms'),
        notes: [
          `${size.members} guests in one room, split evenly over two chat nodes on PostgreSQL (a schema of their own) and Redis; node A on core 0, node B on core 1 with the clients and the runner. ${size.senders} of them (on both nodes) send in turn at the given total rate for ${size.durationMs / 1000} s. A delivery is timed from its send to the client applying it, in order; out-of-order events are counted at the receivers that do not send (a sender's own messages come as acks).`,
        ],
      };
    }),
};

/** The case's clients connect, the senders send for `durationMs`, everyone receives everything; then all leave. */
async function runCase(
  nodes: readonly ChatProcess[],
  tokens: readonly string[],
  size: BusyRoomSize,
  rate: number,
  reorderWindowMs: number | undefined,
): Promise<Record<string, number>> {
  const capacity = Math.ceil((rate * size.durationMs) / 1000) + 10;
  const sentAt = new Float64Array(capacity);
  const latency = new Histogram();
  const clients = tokens.map(
    (token, index) =>
      new ChatBenchClient({
        url: `${nodes[index % nodes.length]!.webSocketUrl}?token=${encodeURIComponent(token)}`,
        roomName: ROOM,
        capacity,
        ...(reorderWindowMs !== undefined && { reorderWindowMs }),
        onDelivery: (messageIndex) => latency.record((performance.now() - sentAt[messageIndex]!) * 1000),
      }),
  );
  try {
    for (let start = 0; start < clients.length; start += OPEN_CONCURRENCY)
      await Promise.all(clients.slice(start, start + OPEN_CONCURRENCY).map((client) => client.start(START_TIMEOUT_MS)));
    await sleep(size.settleMs);
    const senders = clients.slice(0, size.senders);
    const receivers = clients.slice(size.senders);
    const startedMicros = nowMicros();
    const started = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        // Catch up with the schedule when the timer fires late (a busy core).
        const due = Math.min(capacity - 10, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        for (; sent < due; sent++) {
          sentAt[sent] = performance.now();
          senders[sent % senders.length]!.send(sent);
        }
        if (performance.now() - started >= size.durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / rate);
    });
    const deadline = performance.now() + SETTLE_TIMEOUT_MS;
    while (performance.now() < deadline && clients.some((client) => client.tally.receivedOf(sent) < sent))
      await sleep(100);
    const seconds = (performance.now() - started) / 1000;
    markProfileWindow(startedMicros, nowMicros());
    const outOfOrder = receivers.reduce((sum, client) => sum + client.outOfOrder, 0);
    const catchUps = clients.reduce((sum, client) => sum + client.catchUpRequests, 0);
    return {
      deliveredPerSecond: clients.reduce((sum, client) => sum + client.tally.receivedOf(sent), 0) / seconds,
      p50Ms: latency.percentile(50) / 1000,
      p99Ms: latency.percentile(99) / 1000,
      maxMs: latency.percentile(100) / 1000,
      outOfOrder,
      catchUps,
      catchUpsPerOutOfOrder: outOfOrder === 0 ? 0 : catchUps / outOfOrder,
      lost: clients.reduce((sum, client) => sum + (sent - client.tally.receivedOf(sent)), 0),
    };
  } finally {
    for (const client of clients) client.close();
    await sleep(500);
  }
}

/** Why the cluster cannot run here (no PostgreSQL or no Redis), or undefined. */
async function missingService(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch (error) {
    return `no PostgreSQL at ${DATABASE_URL}: ${String(error)}`;
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    return undefined;
  } catch (error) {
    return `no Redis at ${REDIS_URL}: ${String(error)}`;
  } finally {
    redis.disconnect();
  }
}
