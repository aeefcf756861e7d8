/**
 * A scripted chat server for the connection and client tests: a real WebSocket
 * server on 127.0.0.1 where the test plays the chat server's part frame by
 * frame, plus fixtures for its frames.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type {
  ClientRequest,
  ErrorMessage,
  Message,
  RoomEvent,
  RoomSummary,
  ServerMessage,
  WelcomeMessage,
} from '@switchboard/chat/api';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import type { ChatConnection } from '../src/connection/chat-connection.ts';
import { message as messageFixture } from './message-fixture.ts';

export const waitMs = 5000;

/** One accepted socket; `next()` resolves with the next client frame. */
export class ScriptedSocket {
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

export class ScriptedServer {
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

export function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${waitMs} ms`)), waitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const me = { id: 'u1', username: 'ada', guest: false, avatar: { initials: 'A', color: '#1769aa' } };
export const limits = {
  messageMaxLength: 4000,
  typingIntervalMs: 2000,
  typingTtlMs: 5000,
  historyMaxLimit: 100,
  // Pings only when a test asks for one.
  heartbeatIntervalMs: 3_600_000,
  files: null,
};

export function room(lastSeq: number, id = 'r1'): RoomSummary {
  return {
    id,
    kind: 'room',
    name: id === 'r1' ? 'general' : id,
    peer: null,
    topic: null,
    visibility: 'public',
    ownerId: null,
    role: 'member',
    readOnly: false,
    lastSeq,
    lastReadSeq: 0,
    unread: 0,
    mentions: 0,
    notifications: { level: 'mentions', muted: false },
  };
}

export function message(seq: number, clientMessageId: string | null = null): Message {
  return messageFixture(`m${seq}`, seq, { authorId: 'u2', authorName: 'grace', text: `text ${seq}`, clientMessageId });
}

export function messageEvent(seq: number): RoomEvent {
  return { type: 'message', roomId: 'r1', seq, at: seq, message: message(seq) };
}

/**
 * Answers the `hello` of a fresh connection with a welcome for room r1 at
 * `lastSeq` (or what `fields` say), and waits until it is applied.
 */
export async function welcome(
  socket: ScriptedSocket,
  lastSeq: number,
  connection: ChatConnection,
  fields: Partial<WelcomeMessage> = {},
): Promise<void> {
  const hello = await socket.nextAction('hello');
  const online = new Promise<void>((resolve) => {
    const off = connection.on('welcome', () => {
      off();
      resolve();
    });
  });
  socket.send({
    type: 'welcome',
    requestId: hello.requestId,
    user: me,
    rooms: [room(lastSeq)],
    online: [me],
    pingSince: 'since-0',
    limits,
    serverAdmin: false,
    ...fields,
  });
  await withTimeout(online, 'welcome applied');
}

/** Resolves once the connection handled every frame sent before it (a ping answered after them). */
export function drained(socket: ScriptedSocket, connection: ChatConnection): Promise<void> {
  return pingedPast(socket, connection, () => {});
}

/** Asserts the client asked nothing with `action` from the last frame read until now (a ping sent now ends the span). */
export function notAsked(
  socket: ScriptedSocket,
  connection: ChatConnection,
  action: ClientRequest['action'],
): Promise<void> {
  return pingedPast(socket, connection, (frame) => assert.notEqual(frame.action, action, `the client asked ${action}`));
}

/** Sends a ping and answers it, handing `before` each client frame read ahead of it. */
async function pingedPast(
  socket: ScriptedSocket,
  connection: ChatConnection,
  before: (frame: ClientRequest) => void,
): Promise<void> {
  const pong = connection.request({ action: 'ping' });
  let frame = await socket.next();
  for (; frame.action !== 'ping'; frame = await socket.next()) before(frame);
  socket.send({ type: 'pong', requestId: frame.requestId, now: 1, heads: [], since: 'c', hasMore: false });
  await withTimeout(pong, 'pong');
}

/** The `error` frame refusing a client request with `code`. */
export function refusal(request: ClientRequest, code: ErrorMessage['code']): ServerMessage {
  return { type: 'error', requestId: request.requestId, action: request.action, code, message: `Refused: ${code}.` };
}

/** A `catchUp` answer for room r1 holding the message events `seqs` (the last is the room's newest). */
export function catchUpAnswer(requestId: string | undefined, seqs: number[]): ServerMessage {
  return {
    type: 'catchUp',
    requestId,
    notMember: [],
    rooms: [{ roomId: 'r1', events: seqs.map(messageEvent), lastSeq: seqs.at(-1) ?? 0, hasMore: false }],
  };
}
