/**
 * Test helpers for the chat over its real server: accounts over HTTP, and a
 * WebSocket client (the `ws` package) that records every frame and waits for
 * frames with a bound, so a missing frame fails the test instead of hanging it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { Session } from '../src/domain/types.ts';

/**
 * Long enough for a loaded CI machine, short enough that a lost frame fails fast. With
 * the whole suite running, DynamoDB Local (one JVM for every file) has been seen to take
 * about 2 s for a send to two nodes, so one wait spans a few of them.
 */
export const WAIT_MS = 20_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read frames field by field and assert on each.
export type Frame = Record<string, any>;

let counter = 0;
export const uniqueName = (prefix = 'user'): string => `${prefix}${++counter}-${randomUUID().slice(0, 6)}`;
export const PASSWORD = 'correct horse battery';

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Frame }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export async function register(baseUrl: string, username = uniqueName()): Promise<Session> {
  const { status, body } = await postJson(`${baseUrl}/api/register`, { username, password: PASSWORD });
  assert.equal(status, 201, JSON.stringify(body));
  return body as Session;
}

/** The HTTP status a WebSocket upgrade is refused with, or 101 when it is accepted. */
export function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`no answer to the upgrade of ${url}`)), WAIT_MS);
    socket.on('unexpected-response', (_request, response) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('open', () => {
      clearTimeout(timer);
      resolve(101);
      socket.terminate();
    });
    socket.on('error', () => {});
  });
}

export class ChatClient {
  readonly socket: WebSocket;
  /** Every frame received, parsed, in arrival order. */
  readonly frames: Frame[] = [];
  /** Frames that were not JSON (none expected from the chat). */
  readonly raw: string[] = [];
  readonly #waiters = new Set<() => void>();
  #requests = 0;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const text = data.toString();
      try {
        this.frames.push(JSON.parse(text) as Frame);
      } catch {
        this.raw.push(text);
      }
      for (const wake of this.#waiters) wake();
    });
    socket.on('close', () => {
      for (const wake of this.#waiters) wake();
    });
  }

  static connect(webSocketUrl: string, token: string): Promise<ChatClient> {
    const socket = new WebSocket(`${webSocketUrl}?token=${encodeURIComponent(token)}`);
    const client = new ChatClient(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connect timed out')), WAIT_MS);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(frame: Frame | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends `frame` with a fresh `requestId` and resolves with the answer that echoes it (within `waitMs`). */
  async request(frame: Frame, waitMs = WAIT_MS): Promise<Frame> {
    const requestId = `q${++this.#requests}`;
    this.send({ ...frame, requestId });
    return this.waitFor((f) => f.requestId === requestId, `the answer to ${frame.action} ${requestId}`, 0, waitMs);
  }

  /** Like `request`, and asserts the answer is not an error. */
  async ok(frame: Frame): Promise<Frame> {
    const answer = await this.request(frame);
    assert.notEqual(answer.type, 'error', `${frame.action} failed: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** The first frame (received so far or later) that matches; rejects after `waitMs`. */
  waitFor(match: (frame: Frame) => boolean, what = 'a matching frame', from = 0, waitMs = WAIT_MS): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.slice(from).find(match);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.socket.readyState === WebSocket.CLOSED) {
          finish();
          reject(new Error(`closed while waiting for ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, waitMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
      };
      const wake = (): void => void check();
      if (!check()) this.#waiters.add(wake);
    });
  }

  /**
   * A `ping` round trip: every frame the server wrote to this socket before the
   * pong has arrived once it resolves (one TCP stream, in order).
   */
  async sync(): Promise<void> {
    const pong = await this.request({ action: 'ping' });
    assert.equal(pong.type, 'pong');
  }

  /** Frames that match, received so far. */
  all(match: (frame: Frame) => boolean): Frame[] {
    return this.frames.filter(match);
  }

  /**
   * Resolves once the server has closed the socket, at once if it already has
   * (a close that came before the caller looked must not be waited for forever).
   */
  closed(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the socket was not closed')), WAIT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.terminate();
        resolve();
      }, WAIT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close();
    });
  }
}

/** Sends a message from `sender` and resolves with its ack once every one of `others` has received it. */
export async function sendToEveryone(
  sender: ChatClient,
  others: readonly ChatClient[],
  roomId: string,
  text: string,
): Promise<Frame> {
  const ack = await sender.ok({ action: 'sendMessage', roomId, text, clientMessageId: randomUUID() });
  for (const other of others) {
    await other.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id, 'the message');
  }
  return ack;
}
