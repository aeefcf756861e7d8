/**
 * ChatConnection against a scripted WebSocket server on 127.0.0.1 (a real
 * socket; the test plays the chat server's part frame by frame), covering what
 * is hard to force through the real server: a drop before an ack, overlapping
 * catch-up and live events, a gap, and the token expiring.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ClientRequest, Message, RoomEvent, RoomSummary, ServerMessage } from '@switchboard/chat/api';
import WebSocket, { WebSocketServer } from 'ws';
import { ChatConnection, type ConnectionState, type WebSocketLike } from '../src/connection/chat-connection.ts';

const waitMs = 5000;

/** One accepted socket; `next()` resolves with the next client frame. */
class ScriptedSocket {
  readonly #frames: ClientRequest[] = [];
  readonly #waiters: Array<(frame: ClientRequest) => void> = [];
  readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ClientRequest;
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
  }

  next(): Promise<ClientRequest> {
    const queued = this.#frames.shift();
    if (queued) return Promise.resolve(queued);
    return withTimeout(new Promise((resolve) => this.#waiters.push(resolve)), 'a client frame');
  }

  /** The next frame with this action (typing and pings in between are skipped). */
  async nextAction<A extends ClientRequest['action']>(action: A): Promise<Extract<ClientRequest, { action: A }>> {
    for (;;) {
      const frame = await this.next();
      if (frame.action === action) return frame as Extract<ClientRequest, { action: A }>;
    }
  }

  send(frame: ServerMessage): void {
    this.socket.send(JSON.stringify(frame));
  }
}

class ScriptedServer {
  readonly wss: WebSocketServer;
  readonly #accepted: ScriptedSocket[] = [];
  readonly #waiters: Array<(socket: ScriptedSocket) => void> = [];

  constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (raw) => {
      const socket = new ScriptedSocket(raw);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(socket);
      else this.#accepted.push(socket);
    });
  }

  static async start(): Promise<ScriptedServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new ScriptedServer(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws?token=t`;
  }

  nextConnection(): Promise<ScriptedSocket> {
    const queued = this.#accepted.shift();
    if (queued) return Promise.resolve(queued);
    return withTimeout(new Promise((resolve) => this.#waiters.push(resolve)), 'a connection');
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${waitMs} ms`)), waitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const me = { id: 'u1', username: 'ada', guest: false, avatar: { initials: 'A', color: '#1769aa' } };
const limits = { messageMaxLength: 4000, typingIntervalMs: 2000, typingTtlMs: 5000, historyMaxLimit: 100 };

function room(lastSeq: number): RoomSummary {
  return { id: 'r1', kind: 'room', name: 'general', peer: null, lastSeq, lastReadSeq: 0, unread: 0 };
}

function message(seq: number, clientMessageId: string | null = null): Message {
  return {
    id: `m${seq}`,
    roomId: 'r1',
    seq,
    authorId: 'u2',
    authorName: 'grace',
    text: `text ${seq}`,
    clientMessageId,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
  };
}

function messageEvent(seq: number): RoomEvent {
  return { type: 'message', roomId: 'r1', seq, at: seq, message: message(seq) };
}

/** Answers the `hello` of a fresh connection with a welcome for room r1 at `lastSeq`, and waits until it is applied. */
async function welcome(socket: ScriptedSocket, lastSeq: number, connection: ChatConnection): Promise<void> {
  const hello = await socket.nextAction('hello');
  const online = new Promise<void>((resolve) => {
    const off = connection.on('welcome', () => {
      off();
      resolve();
    });
  });
  socket.send({ type: 'welcome', requestId: hello.requestId, user: me, rooms: [room(lastSeq)], online: [me], limits });
  await withTimeout(online, 'welcome applied');
}

describe('Class: ChatConnection', () => {
  let server: ScriptedServer;
  let connection: ChatConnection | undefined;

  before(async () => {
    server = await ScriptedServer.start();
  });

  after(async () => {
    connection?.close();
    await server.close();
  });

  function connect(options: { tokenExpiresAt?: number } = {}) {
    const events: RoomEvent[] = [];
    const states: ConnectionState[] = [];
    connection?.close();
    connection = new ChatConnection({
      url: server.url,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      backoff: { initialMs: 10, maxMs: 50 },
      ...options,
    });
    connection.on('roomEvent', (event) => events.push(event));
    connection.on('state', (state) => states.push(state));
    connection.connect();
    return { connection, events, states };
  }

  it('resends an unacknowledged message with the same clientMessageId after a drop, and catches up exactly once', async () => {
    const { connection, events, states } = connect();
    const first = await server.nextConnection();
    await welcome(first, 2, connection);
    const pending = connection.send('r1', 'Ship it?');
    const sent = await first.nextAction('sendMessage');
    assert.equal(sent.clientMessageId, pending.clientMessageId);

    first.socket.terminate();
    const second = await server.nextConnection();
    // While we were away, seq 3 and 4 happened; 4 also arrives live, overlapping the catch-up.
    await welcome(second, 4, connection);
    const catchUp = await second.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r1', lastSeq: 2 }]);
    const resent = await second.nextAction('sendMessage');
    assert.equal(resent.clientMessageId, pending.clientMessageId);

    second.send(messageEvent(4));
    second.send({
      type: 'catchUp',
      requestId: catchUp.requestId,
      notMember: [],
      rooms: [{ roomId: 'r1', events: [messageEvent(3), messageEvent(4)], lastSeq: 4, hasMore: false }],
    });
    const stored = { ...message(5, pending.clientMessageId), authorId: 'u1', authorName: 'ada', text: 'Ship it?' };
    const acked = new Promise<void>((resolve) => connection.on('pending', (list) => list.length === 0 && resolve()));
    second.send({
      type: 'ack',
      requestId: resent.requestId,
      clientMessageId: pending.clientMessageId,
      message: stored,
      duplicate: false,
    });
    await withTimeout(acked, 'ack');

    assert.deepEqual(
      events.map((event) => event.seq),
      [3, 4, 5],
    );
    assert.deepEqual(states.slice(0, 3), ['connecting', 'online', 'reconnecting']);
    assert.equal(states.at(-1), 'online');
  });

  it('asks for a catch-up from the last applied seq when a live event skips one', async () => {
    const { connection, events } = connect();
    const socket = await server.nextConnection();
    await welcome(socket, 1, connection);
    socket.send(messageEvent(3));
    const catchUp = await socket.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r1', lastSeq: 1 }]);
    socket.send({
      type: 'catchUp',
      requestId: catchUp.requestId,
      notMember: [],
      rooms: [{ roomId: 'r1', events: [messageEvent(2), messageEvent(3)], lastSeq: 3, hasMore: false }],
    });
    // A request answered after the catch-up proves the catch-up was applied.
    const ping = connection.request({ action: 'ping' });
    const frame = await socket.nextAction('ping');
    socket.send({ type: 'pong', requestId: frame.requestId, now: 1 });
    await withTimeout(ping, 'pong');
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3],
    );
  });

  it('rejects a refused request with the error code and keeps a refused send as failed', async () => {
    const { connection } = connect();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    const join = connection.request({ action: 'joinRoom', roomId: 'nope' });
    const frame = await socket.nextAction('joinRoom');
    socket.send({
      type: 'error',
      requestId: frame.requestId,
      action: 'joinRoom',
      code: 'ROOM_NOT_FOUND',
      message: 'No such room.',
    });
    await assert.rejects(join, { name: 'ChatRequestError', code: 'ROOM_NOT_FOUND', message: 'No such room.' });

    const failed = new Promise<void>((resolve) =>
      connection.on('pending', (list) => list[0]?.status === 'failed' && resolve()),
    );
    connection.send('r1', 'x'.repeat(5000));
    const send = await socket.nextAction('sendMessage');
    socket.send({
      type: 'error',
      requestId: send.requestId,
      action: 'sendMessage',
      code: 'MESSAGE_TOO_LONG',
      message: 'Too long.',
    });
    await withTimeout(failed, 'failed send');
    assert.equal(connection.pending[0]?.error?.code, 'MESSAGE_TOO_LONG');
  });

  it('stops and reports unauthorized instead of connecting once the token expired', () => {
    connection?.close();
    connection = new ChatConnection({ url: server.url, tokenExpiresAt: Date.now() - 1 });
    let unauthorized = 0;
    connection.on('unauthorized', () => {
      unauthorized += 1;
    });
    connection.connect();
    connection.retryNow();
    assert.equal(connection.state, 'offline');
    assert.equal(unauthorized, 1);
  });
});
