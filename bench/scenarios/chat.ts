/**
 * Scenario 6, the chat end to end: guests over HTTP, one room, senders that keep
 * a window of unacknowledged `sendMessage` frames, receivers that are members of
 * the room. A message counts as persisted when its `ack` arrives (the chat acks
 * only after the SQLite write) and as delivered when a receiver gets its
 * `message` event; latency is send-to-receive, from a stamp in the text.
 */
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Histogram } from '../load/histogram.ts';
import { LoadGenerator } from '../load/load-generator.ts';
import { nowMicros, readStamp } from '../load/payload.ts';
import type { ResultRow } from '../report/result.ts';
import { IpcChild } from '../support/ipc-child.ts';
import { SERVER_CORE, startPinned } from '../support/pinned-process.ts';
import { type Scenario, sleep, timed } from './scenario.ts';

const CHAT_ENTRY = fileURLToPath(new URL('../servers/chat.ts', import.meta.url));
/** Unacknowledged messages per sender. */
const WINDOW = 16;
const STEP_TIMEOUT_MS = 15_000;

type ChatReady = { type: 'ready'; url: string; webSocketUrl: string };

export const chat: Scenario = {
  name: 'chat',
  number: 6,
  title: 'Chat end to end (persisted in SQLite and delivered)',
  run: (options) =>
    timed(options, async () => {
      const senders = options.quick ? 2 : 4;
      const receivers = options.quick ? 20 : 100;
      const durationMs = options.quick ? 1_000 : 5_000;
      const caseLabel = `${senders} senders, ${receivers} receivers`;
      options.log(`chat: ${caseLabel}`);
      const row = await runChat(caseLabel, senders, receivers, durationMs).catch(
        (error: unknown): ResultRow => ({
          case: caseLabel,
          server: 'switchboard',
          label: 'Switchboard chat',
          available: false,
          metrics: {},
          note: error instanceof Error ? error.message : String(error),
        }),
      );
      return {
        scenario: 'chat',
        number: 6,
        title: chat.title,
        columns: [
          { key: 'persistedPerSecond', label: 'persisted msgs/s', better: 'higher' },
          { key: 'deliveredPerSecond', label: 'deliveries/s' },
          { key: 'ackP50Ms', label: 'ack p50 ms', digits: 2 },
          { key: 'ackP99Ms', label: 'ack p99 ms', digits: 2 },
          { key: 'p50Ms', label: 'send→receive p50 ms', digits: 2 },
          { key: 'p99Ms', label: 'send→receive p99 ms', digits: 2 },
        ],
        primary: 'persistedPerSecond',
        rows: [row],
        ratios: [],
        notes: [
          `The chat's own server (startChatServer, SQLite in a temporary directory) on core 0; ${WINDOW} unacknowledged messages per sender; ${durationMs / 1000} s of sending.`,
        ],
      };
    }),
};

async function runChat(caseLabel: string, senders: number, receivers: number, durationMs: number): Promise<ResultRow> {
  const server = new IpcChild<{ type: string }, ChatReady>(
    'chat server',
    startPinned(CHAT_ENTRY, { core: SERVER_CORE }),
  );
  const load = await LoadGenerator.start(receivers);
  const open: WebSocket[] = [];
  try {
    const ready = await new Promise<ChatReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the chat server did not start')), 30_000);
      server.onUnsolicited = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      server.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the chat server exited with ${code} (is packages/chat/src/server.ts there?)`));
      });
    });
    const tokens = await Promise.all(Array.from({ length: senders + receivers }, () => guestToken(ready.url)));
    const owner = await openSocket(ready.webSocketUrl, tokens[0]!, open);
    owner.send(JSON.stringify({ action: 'createRoom', name: `bench-${Date.now()}` }));
    const roomId = ((await nextOfType(owner, 'roomJoined')) as { room: { id: string } }).room.id;
    // Membership is stored, so receivers join from short-lived sockets and later connect as plain members.
    const senderSockets = [owner];
    for (const [index, token] of tokens.slice(1).entries()) {
      const socket = await openSocket(ready.webSocketUrl, token, open);
      socket.send(JSON.stringify({ action: 'joinRoom', roomId }));
      await nextOfType(socket, 'roomJoined');
      if (index < senders - 1) senderSockets.push(socket);
      else socket.close();
    }
    const wsUrl = new URL(ready.webSocketUrl);
    for (const token of tokens.slice(senders)) {
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
    const started = performance.now();
    const sent = await Promise.all(
      senderSockets.map((socket, index) => sendFor(socket, index, roomId, durationMs, acks)),
    );
    const seconds = (performance.now() - started) / 1000;
    const persisted = sent.reduce((sum, count) => sum + count, 0);
    await load.waitForReceived(persisted * receivers, STEP_TIMEOUT_MS);
    const stats = await load.stats();
    return {
      case: caseLabel,
      server: 'switchboard',
      label: 'Switchboard chat',
      available: true,
      metrics: {
        persistedPerSecond: persisted / seconds,
        deliveredPerSecond: stats.received / seconds,
        ackP50Ms: acks.percentile(50) / 1000,
        ackP99Ms: acks.percentile(99) / 1000,
        p50Ms: stats.histogram.percentile(50) / 1000,
        p99Ms: stats.histogram.percentile(99) / 1000,
      },
    };
  } finally {
    for (const socket of open) socket.terminate();
    await load.stop();
    await server.stop();
  }
}

/** Sends for `durationMs` with `WINDOW` messages in flight; resolves with the number acknowledged. */
function sendFor(
  socket: WebSocket,
  sender: number,
  roomId: string,
  durationMs: number,
  acks: Histogram,
): Promise<number> {
  const until = performance.now() + durationMs;
  let next = 0;
  let inFlight = 0;
  let acknowledged = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('acks stopped arriving')), durationMs + STEP_TIMEOUT_MS);
    const send = (): void => {
      const text = `~${String(nowMicros()).padStart(16, '0')} message ${next}`;
      socket.send(JSON.stringify({ action: 'sendMessage', roomId, text, clientMessageId: `s${sender}-${next++}` }));
      inFlight++;
    };
    socket.on('message', (data: Buffer) => {
      if (!data.includes('"type":"ack"')) {
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

async function guestToken(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`POST /api/guest answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
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
