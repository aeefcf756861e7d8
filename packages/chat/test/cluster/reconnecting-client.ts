/**
 * A chat client that behaves like the web client across failures
 * (docs/protocol.md, "Reconnect and catch-up"): when its connection drops it
 * reconnects to the next node of a list, sends `hello` and `catchUp` from the
 * last `seq` it applied per room, applies room events in `seq` order (ignoring
 * duplicates, catching up on gaps), and resends every `sendMessage` that has
 * no `ack` yet with its original `clientMessageId`. From each `welcome` on it
 * pings every `limits.heartbeatIntervalMs` with its `since`, and at once on
 * `resync`, and catches up every room a `pong` names beyond what it applied.
 *
 * `applied` is what a user would see: per room, each event once, in order.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { type Frame, register, uniqueName, WAIT_MS } from '../chat-test-client.ts';
import { waitUntil } from './cluster-harness.ts';

const ROOM_EVENTS = new Set(['message', 'messageEdited', 'messageDeleted', 'memberJoined', 'memberLeft']);

interface PendingSend {
  frame: Frame;
  resolve(ack: Frame): void;
  reject(error: Error): void;
}

export class ReconnectingClient {
  readonly name: string;
  /** Per tracked room, the events applied, in `seq` order. */
  readonly applied = new Map<string, Frame[]>();
  /** Every frame received, on every connection. */
  readonly frames: Frame[] = [];
  /** Connections opened after the first. */
  reconnects = 0;
  /** Error frames answered to sends (e.g. `STORE_UNAVAILABLE`). */
  readonly sendErrors: Frame[] = [];

  readonly #urls: readonly string[];
  readonly #token: string;
  readonly #lastSeq = new Map<string, number>();
  readonly #sends = new Map<string, PendingSend>();
  readonly #requests = new Map<string, { resolve(frame: Frame): void; reject(error: Error): void }>();
  /** Rooms with a catch-up in flight, by request id. */
  readonly #catchUps = new Map<string, string>();
  /** Events that arrived ahead of a gap, applied once the gap is closed. */
  readonly #ahead = new Map<string, Map<number, Frame>>();
  #index: number;
  #socket: WebSocket | undefined;
  #open = false;
  #stopped = false;
  #requestCount = 0;
  /** The `since` of the next heartbeat `ping`. */
  #since: string | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  private constructor(name: string, urls: readonly string[], index: number, token: string) {
    this.name = name;
    this.#urls = urls;
    this.#index = index;
    this.#token = token;
  }

  /**
   * Connects to `urls[index]` (WebSocket URLs of the nodes) and says `hello`.
   * @example const ada = await ReconnectingClient.open('ada', nodes.map((n) => n.webSocketUrl), 0, token);
   */
  static async open(name: string, urls: readonly string[], index: number, token: string): Promise<ReconnectingClient> {
    const client = new ReconnectingClient(name, urls, index, token);
    await client.#connect();
    return client;
  }

  /** The node this client is connected to now. */
  get url(): string {
    return this.#urls[this.#index]!;
  }

  get connected(): boolean {
    return this.#open;
  }

  /** Starts applying a room's events after `lastSeq`. */
  track(roomId: string, lastSeq: number): void {
    if (!this.applied.has(roomId)) this.applied.set(roomId, []);
    this.#lastSeq.set(roomId, lastSeq);
  }

  lastSeq(roomId: string): number {
    return this.#lastSeq.get(roomId) ?? 0;
  }

  /** The messages applied in a room (created ones, by their `message` event). */
  messages(roomId: string): Frame[] {
    return (this.applied.get(roomId) ?? []).filter((event) => event.type === 'message').map((event) => event.message);
  }

  /**
   * Sends a message and resolves with its `ack`, resending after reconnects;
   * rejects with the error frame's code when the server refuses it (the caller
   * may send the same `clientMessageId` again).
   */
  sendMessage(roomId: string, text: string, clientMessageId: string = randomUUID()): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const frame = { action: 'sendMessage', roomId, text, clientMessageId, requestId: `send-${clientMessageId}` };
      this.#sends.set(frame.requestId, { frame, resolve, reject });
      if (this.#open) this.#socket!.send(JSON.stringify(frame));
    });
  }

  /** One request on the current connection; rejects when it closes first or after `WAIT_MS`. */
  request(frame: Frame): Promise<Frame> {
    if (!this.#open) return Promise.reject(new Error(`${this.name} is not connected`));
    const requestId = `r${++this.#requestCount}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#requests.delete(requestId);
        reject(new Error(`${this.name}: no answer to ${frame.action}`));
      }, WAIT_MS);
      this.#requests.set(requestId, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#socket!.send(JSON.stringify({ ...frame, requestId }));
    });
  }

  /**
   * The gateway's id for the current connection, read from its answer to a
   * frame that fails the action's model (`Invalid request body` carries it).
   */
  async connectionId(): Promise<string> {
    const before = this.frames.length;
    this.#socket!.send(JSON.stringify({ action: 'sendMessage' }));
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const frame = this.frames.slice(before).find((f) => f.message === 'Invalid request body');
      if (frame) return frame.connectionId as string;
      if (Date.now() > deadline) throw new Error(`${this.name}: no connection id`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Closes for good: no reconnect; unanswered sends are rejected. */
  close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    for (const send of this.#sends.values()) send.reject(new Error(`${this.name} closed`));
    this.#sends.clear();
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.terminate();
        resolve();
      }, WAIT_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close();
    });
  }

  /** Opens a connection to the current node, or to the next ones in turn, within a bound. */
  async #connect(): Promise<void> {
    const deadline = Date.now() + WAIT_MS * 3;
    let delay = 50;
    for (;;) {
      try {
        await this.#openSocket(this.url);
        return;
      } catch (error) {
        if (this.#stopped) return;
        if (Date.now() > deadline) throw new Error(`${this.name} could not reconnect: ${(error as Error).message}`);
        this.#index = (this.#index + 1) % this.#urls.length;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 500);
      }
    }
  }

  #openSocket(url: string): Promise<void> {
    const socket = new WebSocket(`${url}?token=${encodeURIComponent(this.#token)}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`connecting to ${url} timed out`));
      }, WAIT_MS);
      socket.once('unexpected-response', (_request, response) => {
        clearTimeout(timer);
        socket.terminate();
        reject(new Error(`${url} answered ${response.statusCode}`));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('open', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => {});
        this.#socket = socket;
        this.#open = true;
        socket.on('message', (data) => this.#onFrame(JSON.parse(data.toString()) as Frame));
        socket.once('close', () => this.#onClose(socket));
        this.#onOpen();
        resolve();
      });
    });
  }

  #onOpen(): void {
    this.#socket!.send(JSON.stringify({ action: 'hello' }));
    for (const roomId of this.#lastSeq.keys()) this.#catchUp(roomId);
    for (const send of this.#sends.values()) this.#socket!.send(JSON.stringify(send.frame));
  }

  #onClose(socket: WebSocket): void {
    if (socket !== this.#socket) return;
    this.#open = false;
    clearInterval(this.#heartbeat);
    this.#catchUps.clear();
    for (const request of this.#requests.values()) request.reject(new Error(`${this.name}: connection closed`));
    this.#requests.clear();
    if (this.#stopped) return;
    this.reconnects++;
    this.#index = (this.#index + 1) % this.#urls.length;
    this.#connect().catch((error: Error) => {
      for (const send of this.#sends.values()) send.reject(error);
      this.#sends.clear();
    });
  }

  #onFrame(frame: Frame): void {
    this.frames.push(frame);
    if (frame.type === 'welcome') this.#onWelcome(frame);
    if (frame.type === 'resync') this.#ping();
    const requestId = typeof frame.requestId === 'string' ? frame.requestId : undefined;
    if (requestId?.startsWith('beat-')) {
      // Refused (rate limited, the store down): the next heartbeat asks again.
      if (frame.type === 'pong') this.#onPong(frame);
      return;
    }
    const send = requestId === undefined ? undefined : this.#sends.get(requestId);
    if (send) {
      this.#sends.delete(requestId!);
      if (frame.type === 'ack') {
        // The sender gets the ack, not the event: it is the `message` event at its `seq`.
        const message = frame.message as Frame;
        this.#apply({ type: 'message', roomId: message.roomId, seq: message.seq, message });
        send.resolve(frame);
      } else {
        this.sendErrors.push(frame);
        send.reject(Object.assign(new Error(`${frame.code}: ${frame.message}`), { code: frame.code }));
      }
      return;
    }
    const catchUpRoom = requestId === undefined ? undefined : this.#catchUps.get(requestId);
    if (catchUpRoom !== undefined) {
      this.#catchUps.delete(requestId!);
      if (frame.type === 'catchUp') this.#onCatchUp(frame);
      // Refused (the store is down): ask again a little later.
      else setTimeout(() => this.#catchUp(catchUpRoom), 200);
      return;
    }
    const request = requestId === undefined ? undefined : this.#requests.get(requestId);
    if (request) {
      this.#requests.delete(requestId!);
      request.resolve(frame);
      return;
    }
    if (ROOM_EVENTS.has(frame.type)) this.#apply(frame);
  }

  /** The heartbeat (docs/protocol.md, "ping"): from each welcome on, a `ping` with `since` every interval. */
  #onWelcome(welcome: Frame): void {
    this.#since = welcome.pingSince as string;
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#ping(), welcome.limits.heartbeatIntervalMs as number);
  }

  #ping(): void {
    if (!this.#open || this.#since === undefined) return;
    this.#socket!.send(
      JSON.stringify({ action: 'ping', since: this.#since, requestId: `beat-${++this.#requestCount}` }),
    );
  }

  #onPong(pong: Frame): void {
    this.#since = pong.since as string;
    for (const head of pong.heads as Frame[]) {
      if (this.#lastSeq.has(head.roomId) && head.seq > this.lastSeq(head.roomId)) this.#catchUp(head.roomId);
    }
    if (pong.hasMore) this.#ping();
  }

  #apply(event: Frame): void {
    const roomId = event.roomId as string;
    const last = this.#lastSeq.get(roomId);
    if (last === undefined) return;
    if (event.seq <= last) return;
    if (event.seq > last + 1) {
      const ahead = this.#ahead.get(roomId) ?? new Map<number, Frame>();
      this.#ahead.set(roomId, ahead);
      ahead.set(event.seq, event);
      this.#catchUp(roomId);
      return;
    }
    this.applied.get(roomId)!.push(event);
    this.#lastSeq.set(roomId, event.seq);
    const next = this.#ahead.get(roomId)?.get(event.seq + 1);
    if (next) this.#apply(next);
  }

  #catchUp(roomId: string): void {
    if (!this.#open || [...this.#catchUps.values()].includes(roomId)) return;
    const requestId = `catch-${++this.#requestCount}`;
    this.#catchUps.set(requestId, roomId);
    this.#socket!.send(
      JSON.stringify({ action: 'catchUp', rooms: [{ roomId, lastSeq: this.lastSeq(roomId) }], requestId }),
    );
  }

  #onCatchUp(frame: Frame): void {
    for (const room of frame.rooms as Frame[]) {
      for (const event of room.events as Frame[]) this.#apply(event);
      const ahead = this.#ahead.get(room.roomId);
      for (const seq of ahead?.keys() ?? []) if (seq <= this.lastSeq(room.roomId)) ahead!.delete(seq);
      if (room.hasMore || (ahead?.size ?? 0) > 0) this.#catchUp(room.roomId);
    }
  }
}

/**
 * One registered user per node, each with a reconnecting client, all members of
 * one new room and tracking it from its current sequence: the starting point of
 * the failure tests. The clients are closed after the test.
 */
export async function oneRoomAcrossNodes(
  t: TestContext,
  nodes: readonly { url: string; webSocketUrl: string }[],
  roomLabel: string,
): Promise<{ clients: ReconnectingClient[]; roomId: string }> {
  const urls = nodes.map((node) => node.webSocketUrl);
  const sessions = await Promise.all(nodes.map((node) => register(node.url)));
  const clients = await Promise.all(
    sessions.map((session, i) => ReconnectingClient.open(`user${i}`, urls, i, session.token)),
  );
  t.after(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });
  const [first] = clients as [ReconnectingClient, ...ReconnectingClient[]];
  const created = await first.request({ action: 'createRoom', name: uniqueName(roomLabel) });
  const roomId = created.room.id as string;
  for (const client of clients.slice(1)) await client.request({ action: 'joinRoom', roomId });
  const base = (await first.request({ action: 'hello' })).rooms.find((room: Frame) => room.id === roomId).lastSeq;
  for (const client of clients) client.track(roomId, base);
  return { clients, roomId };
}

/**
 * The failure tests' promise: once every client has caught up to the last
 * acknowledged sequence, each has applied every acknowledged message exactly once.
 */
export async function assertEveryMemberHasEachAckedMessageOnce(
  clients: readonly ReconnectingClient[],
  roomId: string,
  acks: readonly Frame[],
): Promise<void> {
  const expected = new Set(acks.map((ack) => ack.message.id as string));
  const lastSeq = Math.max(...acks.map((ack) => ack.message.seq as number));
  for (const client of clients) {
    await waitUntil(() => client.lastSeq(roomId) >= lastSeq, `${client.name} has every message`);
    const ids = client.messages(roomId).map((message) => message.id as string);
    assert.equal(new Set(ids).size, ids.length, `${client.name}: no message twice`);
    assert.deepEqual(new Set(ids), expected, `${client.name}: every acknowledged message`);
  }
}
