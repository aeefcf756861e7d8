/**
 * Scenario 6, the chat end to end: guests over HTTP, one room, senders that keep
 * a window of unacknowledged `sendMessage` frames, receivers that are members of
 * the room. A message counts as persisted when its `ack` arrives (the chat acks
 * only once the message is durable) and as delivered when a receiver gets its
 * `message` event; latency is send-to-receive, from a stamp in the text. The
 * same cases run on SQLite (one node) and on PostgreSQL with one node and with
 * two nodes over Redis (senders and receivers split between them). In the
 * replies case the senders answer one message in its thread (`replyInThread`,
 * acknowledged by `replyAck`), and each reply reaches a receiver as two events:
 * the reply's `message` and its root's `threadUpdated`.
 */
import WebSocket from 'ws';
import { Histogram } from '../load/histogram.ts';
import { LoadGenerator } from '../load/load-generator.ts';
import { nowMicros, readStamp } from '../load/payload.ts';
import { markProfileWindow } from '../report/profile.ts';
import type { ResultRow } from '../report/result.ts';
import { dropSchema, freshSchema, startPostgresChat } from '../servers/chat-cluster.ts';
import { type ChatProcess, guestToken, startChatProcess } from '../servers/chat-process.ts';
import { cpuSeconds } from '../support/proc-stat.ts';
import { type Scenario, sleep, timed, unavailableRow } from './scenario.ts';

/** Unacknowledged messages per sender. */
const WINDOW = 16;
const STEP_TIMEOUT_MS = 15_000;

type ChatStoreKind = 'sqlite' | 'postgres';

interface ChatCase {
  store: ChatStoreKind;
  nodes: 1 | 2;
  senders: number;
  receivers: number;
  /** The senders reply in one thread instead of sending messages to the room. */
  replies: boolean;
}

/** Each setup's row: its server name (SQLite's is the scenario's `switchboard` row) and label, by `<store>-<nodes>`. */
const SERVERS: Record<string, { server: string; label: string }> = {
  'sqlite-1': { server: 'switchboard', label: 'Switchboard chat, SQLite' },
  'postgres-1': { server: 'postgres-1', label: 'Switchboard chat, PostgreSQL, 1 node' },
  'postgres-2': { server: 'postgres-2', label: 'Switchboard chat, PostgreSQL, 2 nodes' },
};

function serverOf({ store, nodes }: Pick<ChatCase, 'store' | 'nodes'>): { server: string; label: string } {
  const key = `${store}-${nodes}`;
  return SERVERS[key] ?? { server: key, label: key };
}

export const chat: Scenario = {
  name: 'chat',
  number: 6,
  title: 'Chat end to end (persisted and delivered; SQLite, PostgreSQL 1 and 2 nodes)',
  run: (options) =>
    timed(options, async () => {
      const receivers = options.quick ? 20 : 100;
      const durationMs = options.quick ? 1_000 : 5_000;
      // The CI smoke runs SQLite only: it needs no database server.
      const cases = options.quick
        ? [{ senders: 2, replies: false }]
        : [
            { senders: 4, replies: false },
            { senders: 32, replies: false },
            { senders: 4, replies: true },
          ];
      // BENCH_CHAT_SERVERS=sqlite-1,postgres-2 picks servers (e.g. to profile one).
      const picked = process.env.BENCH_CHAT_SERVERS?.split(',');
      const stores = (
        options.quick
          ? [{ store: 'sqlite', nodes: 1 }]
          : [
              { store: 'sqlite', nodes: 1 },
              { store: 'postgres', nodes: 1 },
              { store: 'postgres', nodes: 2 },
            ]
      ).filter(({ store, nodes }) => !picked || picked.includes(`${store}-${nodes}`)) as Array<
        Pick<ChatCase, 'store' | 'nodes'>
      >;
      const rows: ResultRow[] = [];
      for (const { senders, replies } of cases) {
        for (const { store, nodes } of stores) {
          const caseLabel = `${senders} senders${replies ? ' replying in a thread' : ''}, ${receivers} receivers`;
          const { server, label } = serverOf({ store, nodes });
          options.log(`chat: ${label}, ${caseLabel}`);
          rows.push(
            await runChat(caseLabel, { store, nodes, senders, receivers, replies }, durationMs).catch(
              (error: unknown) => unavailableRow(caseLabel, server, label, error),
            ),
          );
        }
      }
      return {
        scenario: 'chat',
        number: 6,
        title: chat.title,
        columns: [
          { key: 'persistedPerSecond', label: 'persisted msgs/s', better: 'higher' },
          { key: 'deliveredPerSecond', label: 'deliveries/s' },
          { key: 'serverCpuMicrosPerMessage', label: 'server CPU µs/msg' },
          { key: 'ackP50Ms', label: 'ack p50 ms', digits: 2 },
          { key: 'ackP99Ms', label: 'ack p99 ms', digits: 2 },
          { key: 'p50Ms', label: 'send→receive p50 ms', digits: 2 },
          { key: 'p99Ms', label: 'send→receive p99 ms', digits: 2 },
        ],
        primary: 'persistedPerSecond',
        rows,
        ratios: [],
        notes: [
          `The chat's own server (startChatServer) on core 0: SQLite in a temporary directory (synchronous = FULL), or PostgreSQL (a fresh schema, a pool of 20); with 2 nodes, node B on core 1 beside the receivers and the runner, Redis unpinned, senders and receivers split evenly. ${WINDOW} unacknowledged messages per sender; ${durationMs / 1000} s of sending. Server CPU is the nodes' user + system time over the sending, per persisted message. A reply is delivered as two events (the reply and its root's thread summary), both counted in deliveries/s.`,
        ],
      };
    }),
};

async function runChat(caseLabel: string, chatCase: ChatCase, durationMs: number): Promise<ResultRow> {
  const { senders, receivers } = chatCase;
  const schema = freshSchema();
  const nodes: ChatProcess[] = [];
  const open: WebSocket[] = [];
  let load: LoadGenerator | undefined;
  try {
    nodes.push(...(await startNodes(chatCase, schema)));
    const ready = nodes[0]!;
    const nodeOf = (index: number): ChatProcess => nodes[index % nodes.length]!;
    load = await LoadGenerator.start(receivers);
    const tokens = await Promise.all(Array.from({ length: senders + receivers }, () => guestToken(ready.url)));
    const owner = await openSocket(ready.webSocketUrl, tokens[0]!, open);
    owner.send(JSON.stringify({ action: 'createRoom', name: `bench-${Date.now()}` }));
    const roomId = ((await nextOfType(owner, 'roomJoined')) as { room: { id: string } }).room.id;
    let rootId: string | undefined;
    if (chatCase.replies) {
      owner.send(JSON.stringify({ action: 'sendMessage', roomId, text: 'The thread', clientMessageId: 'root' }));
      rootId = ((await nextOfType(owner, 'ack')) as { message: { id: string } }).message.id;
    }
    // Membership is stored, so receivers join from short-lived sockets and later connect as plain members.
    const senderSockets = [owner];
    for (const [index, token] of tokens.slice(1).entries()) {
      const sender = index < senders - 1;
      const socket = await openSocket((sender ? nodeOf(index + 1) : ready).webSocketUrl, token, open);
      socket.send(JSON.stringify({ action: 'joinRoom', roomId }));
      await nextOfType(socket, 'roomJoined');
      if (sender) senderSockets.push(socket);
      else socket.close();
    }
    for (const [index, token] of tokens.slice(senders).entries()) {
      const wsUrl = new URL(nodeOf(index).webSocketUrl);
      const result = await load.connect(
        {
          host: wsUrl.hostname,
          port: Number(wsUrl.port),
          path: `${wsUrl.pathname}?token=${encodeURIComponent(token)}`,
          dialect: 'websocket',
          hello: JSON.stringify({ action: 'hello' }),
        },
        1,
      );
      if (result.opened !== 1) throw new Error(`a receiver could not connect: ${result.firstError}`);
    }
    await sleep(200);
    await load.record(true);
    const acks = new Histogram();
    const serverCpu = (): number => nodes.reduce((sum, node) => sum + cpuSeconds(node.pid), 0);
    const cpuBefore = serverCpu();
    const started = performance.now();
    const startedMicros = nowMicros();
    const sent = await Promise.all(
      senderSockets.map((socket, index) => sendFor(socket, index, { roomId, rootId }, durationMs, acks)),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuUsed = serverCpu() - cpuBefore;
    markProfileWindow(startedMicros, nowMicros());
    const persisted = sent.reduce((sum, count) => sum + count, 0);
    const eventsPerSend = chatCase.replies ? 2 : 1;
    await load.waitForReceived(persisted * receivers * eventsPerSend, STEP_TIMEOUT_MS);
    const stats = await load.stats();
    const { server, label } = serverOf(chatCase);
    return {
      case: caseLabel,
      server,
      label,
      available: true,
      metrics: {
        persistedPerSecond: persisted / seconds,
        deliveredPerSecond: stats.received / seconds,
        serverCpuMicrosPerMessage: (cpuUsed * 1e6) / Math.max(1, persisted),
        ackP50Ms: acks.percentile(50) / 1000,
        ackP99Ms: acks.percentile(99) / 1000,
        p50Ms: stats.histogram.percentile(50) / 1000,
        p99Ms: stats.histogram.percentile(99) / 1000,
      },
    };
  } finally {
    for (const socket of open) socket.terminate();
    await load?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    if (chatCase.store === 'postgres') await dropSchema(schema);
  }
}

/** The case's chat nodes: SQLite in one process, or PostgreSQL with one or two nodes. */
async function startNodes({ store, nodes }: ChatCase, schema: string): Promise<ChatProcess[]> {
  return store === 'sqlite' ? [await startChatProcess()] : startPostgresChat(nodes, schema);
}

/**
 * Sends for `durationMs` with `WINDOW` messages in flight, or replies to `rootId`
 * when given; resolves with the number acknowledged.
 */
function sendFor(
  socket: WebSocket,
  sender: number,
  { roomId, rootId }: { roomId: string; rootId: string | undefined },
  durationMs: number,
  acks: Histogram,
): Promise<number> {
  const until = performance.now() + durationMs;
  let next = 0;
  let inFlight = 0;
  let acknowledged = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('acks stopped arriving')), durationMs + STEP_TIMEOUT_MS);
    const ack = rootId === undefined ? '"type":"ack"' : '"type":"replyAck"';
    const send = (): void => {
      const text = `~${String(nowMicros()).padStart(16, '0')} message ${next}`;
      const clientMessageId = `s${sender}-${next++}`;
      const request =
        rootId === undefined
          ? { action: 'sendMessage', roomId, text, clientMessageId }
          : { action: 'replyInThread', rootId, text, clientMessageId };
      socket.send(JSON.stringify(request));
      inFlight++;
    };
    socket.on('message', (data: Buffer) => {
      if (!data.includes(ack)) {
        if (data.includes('"type":"error"')) reject(new Error(`the chat answered ${data.toString()}`));
        return;
      }
      const stamp = readStamp(data, 0, data.length);
      if (stamp !== -1) acks.record(nowMicros() - stamp);
      acknowledged++;
      inFlight--;
      if (performance.now() < until) send();
      else if (inFlight === 0) {
        clearTimeout(timer);
        resolve(acknowledged);
      }
    });
    for (let index = 0; index < WINDOW; index++) send();
  });
}

async function openSocket(url: string, token: string, open: WebSocket[]): Promise<WebSocket> {
  const socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
  open.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

function nextOfType(socket: WebSocket, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} arrived`)), STEP_TIMEOUT_MS);
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'error') {
        clearTimeout(timer);
        socket.off('message', onMessage);
        reject(new Error(`the chat answered ${data.toString()}`));
      } else if (message.type === type) {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(message);
      }
    };
    socket.on('message', onMessage);
  });
}
