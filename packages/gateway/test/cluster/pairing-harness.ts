/**
 * Test support for the `$connect`/`$disconnect` contract across a cluster of
 * processes: an HTTP sink the recording nodes (fixtures/recording-node.ts) report
 * to, clients that keep talking and reconnect wherever they can, and the checks.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import WebSocket from 'ws';
import { sleep } from '../support/gateway-harness.ts';
import { eventually, REDIS_URL, startChildNode } from './cluster-harness.ts';
import type { NodeRecord } from './fixtures/recording-node.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'recording-node.ts');

/** Where the nodes report; `records` is in arrival order. */
export class RecordSink {
  readonly records: NodeRecord[] = [];
  url = '';
  /** Stops the server (also done after the tests of the file that started it). */
  close: () => void = () => {};

  static async start(): Promise<RecordSink> {
    const sink = new RecordSink();
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        sink.records.push(...(JSON.parse(Buffer.concat(chunks).toString()) as NodeRecord[]));
        response.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    sink.close = () => {
      server.closeAllConnections();
      server.close();
    };
    after(() => sink.close());
    sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return sink;
  }

  of(type: NodeRecord['type']): NodeRecord[] {
    return this.records.filter((record) => record.type === type);
  }

  /** The `$disconnect`s of the connections that `$connect` admitted in process `pid`. */
  disconnectsOfConnectionsIn(pid: number): NodeRecord[] {
    const held = new Set(
      this.of('connect')
        .filter((record) => record.pid === pid)
        .map((record) => record.connectionId),
    );
    return this.of('disconnect').filter((record) => held.has(record.connectionId));
  }
}

export interface RecordingNode {
  name: string;
  url: string;
  child: ChildProcess;
}

/** Starts recording nodes in child processes, in parallel. */
export function startRecordingNodes(
  names: string[],
  env: { keyPrefix: string; sink: RecordSink; redisUrl?: string; extra?: Record<string, string> },
): Promise<RecordingNode[]> {
  return Promise.all(
    names.map(async (name) => {
      const { child, url } = await startChildNode(fixture, {
        REDIS_URL: env.redisUrl ?? REDIS_URL,
        KEY_PREFIX: env.keyPrefix,
        NODE_ID: name,
        SINK_URL: env.sink.url,
        ...env.extra,
      });
      return { name, url, child };
    }),
  );
}

export interface TalkerOptions {
  /** Where to connect (again): asked at each attempt. */
  urls: () => string[];
  /** Between messages. @default 250 */
  intervalMs?: number;
  /** Close by itself after this many answers (then reconnect); none when absent. */
  closeAfter?: () => number;
}

/**
 * A client that sends a message every `intervalMs`, counts the answers, and
 * reconnects (to any of `urls()`) whenever its connection ends, until stopped.
 */
export class Talker {
  readonly #options: TalkerOptions;
  /** Where the next connection goes (tests point it elsewhere when a node dies). */
  urls: () => string[];
  /** The node that answered last (`nodeId` of the route response). */
  lastNodeId = '';
  answers = 0;
  /** Connections that ended without the talker closing them. */
  cutOff = 0;
  #socket: WebSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #opened: Promise<void>;
  #markOpen: () => void = () => {};

  constructor(options: TalkerOptions) {
    this.#options = options;
    this.urls = options.urls;
    this.#opened = new Promise((resolve) => {
      this.#markOpen = resolve;
    });
    this.#connect();
  }

  /** Resolves once a connection has opened. */
  opened(): Promise<void> {
    return this.#opened;
  }

  /** Closes for good and resolves once the close has completed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const socket = this.#socket;
    if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => socket.once('close', resolve));
    if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    else socket.terminate();
    await closed;
  }

  #connect(): void {
    if (this.#stopped) return;
    const urls = this.urls();
    const socket = new WebSocket(urls[Math.floor(Math.random() * urls.length)] as string);
    this.#socket = socket;
    let answers = 0;
    const limit = this.#options.closeAfter?.();
    let closedByMe = false;
    socket.on('error', () => {});
    socket.on('open', () => {
      this.#markOpen();
      this.#timer = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send('hello');
      }, this.#options.intervalMs ?? 250);
    });
    socket.on('message', (data: Buffer) => {
      const answer = JSON.parse(data.toString()) as { nodeId?: string };
      if (answer.nodeId === undefined) return;
      this.lastNodeId = answer.nodeId;
      this.answers++;
      if (limit !== undefined && ++answers >= limit) {
        closedByMe = true;
        socket.close(1000);
      }
    });
    socket.on('close', () => {
      clearInterval(this.#timer);
      if (this.#stopped) return;
      if (!closedByMe) this.cutOff++;
      setTimeout(() => this.#connect(), 20 + Math.random() * 50);
    });
  }
}

/**
 * The contract, checked once the records are complete: every `$connect` that
 * succeeded has exactly one `$disconnect`, no `$disconnect` lacks its `$connect`,
 * and no connection was served by a second process or after its `$disconnect` began.
 */
export async function assertPairing(
  sink: RecordSink,
  /** Connections the check leaves out (with the test saying why). */
  exempt: (connect: NodeRecord) => boolean = () => false,
): Promise<{ connections: number }> {
  // Every connect has its disconnect (they may come from a survivor a little later)...
  const unpaired = (): NodeRecord[] => {
    const ended = new Set(sink.of('disconnect').map((record) => record.connectionId));
    return sink.of('connect').filter((record) => !ended.has(record.connectionId) && !exempt(record));
  };
  await eventually(async () => unpaired().length === 0, 20_000, 'some $connect never got its $disconnect').catch(
    (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(unpaired())}`);
    },
  );
  // ... and no second one follows.
  await sleep(1500);
  const byConnection = new Map<string, NodeRecord[]>();
  for (const record of sink.records) {
    const list = byConnection.get(record.connectionId) ?? [];
    list.push(record);
    byConnection.set(record.connectionId, list);
  }
  for (const [connectionId, records] of byConnection) {
    const connects = records.filter((record) => record.type === 'connect');
    if (connects.length === 1 && exempt(connects[0] as NodeRecord)) continue;
    const disconnects = records.filter((record) => record.type === 'disconnect');
    assert.equal(connects.length, 1, `${connectionId}: ${connects.length} $connect`);
    assert.equal(disconnects.length, 1, `${connectionId}: ${disconnects.length} $disconnect`);
    const [connect] = connects as [NodeRecord];
    const [disconnect] = disconnects as [NodeRecord];
    for (const message of records.filter((record) => record.type === 'message')) {
      assert.equal(message.pid, connect.pid, `${connectionId} was served by two processes`);
      assert.ok(message.at <= disconnect.at, `${connectionId} was served after its $disconnect began`);
    }
  }
  return { connections: byConnection.size };
}

/** The `$disconnect` reason of a connection whose node lost its liveness (on whichever side runs it). */
export const LOST_REASON = /^Connection lost: gateway node [A-Za-z0-9_.-]+ stopped$/;

/** `count` talkers; with `closeAfter`, each closes by itself now and then and comes back. */
export function talkers(count: number, urls: () => string[], closeAfter?: () => number): Talker[] {
  return Array.from({ length: count }, () => new Talker({ urls, closeAfter }));
}

export async function stopAll(list: Talker[]): Promise<void> {
  await Promise.all(list.map((talker) => talker.stop()));
}

export const urlsOf = (nodes: RecordingNode[]) => (): string[] => nodes.map((node) => node.url);

/** Between 3 and 10 answers, then a close of its own. */
export const nowAndThen = (): number => 3 + Math.floor(Math.random() * 8);
