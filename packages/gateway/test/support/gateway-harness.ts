/**
 * Test support: a real gateway on a free loopback port, real `ws` clients and
 * raw HTTP upgrades, with bounded waits so no test can hang.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import WebSocket from 'ws';
import type { GatewayDefinition } from '../../src/definition.ts';
import { createGateway, type Gateway, type GatewayAddress, type GatewayOptions } from '../../src/gateway.ts';

export interface RunningGateway extends GatewayAddress {
  gateway: Gateway;
}

/** Starts a gateway on port 0; it is closed after the test file's tests. */
export async function startGateway(
  definition: GatewayDefinition,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const gateway = await createGateway(definition, { port: 0, logger: false, ...options });
  const address = await gateway.listen();
  after(() => gateway.close());
  return { gateway, ...address };
}

/** A client that queues what it receives, so tests can await the next message. */
export class TestClient {
  readonly socket: WebSocket;
  readonly #messages: string[] = [];
  readonly #waiters: ((message: string) => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const waiter = this.#waiters.shift();
      if (waiter) waiter(text);
      else this.#messages.push(text);
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  send(data: string | object): void {
    this.socket.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** The next message, or a rejection after `timeoutMs`. */
  next(timeoutMs = 3000): Promise<string> {
    const queued = this.#messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return withTimeout(new Promise<string>((resolve) => this.#waiters.push(resolve)), timeoutMs, 'no message arrived');
  }

  /** Resolves true if nothing arrives within `ms` (for "is not sent" checks). */
  async silentFor(ms: number): Promise<boolean> {
    if (this.#messages.length > 0) return false;
    let received = false;
    const waiter = (message: string): void => {
      received = true;
      this.#messages.unshift(message);
    };
    this.#waiters.push(waiter);
    await sleep(ms);
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
    return !received;
  }

  async close(code?: number, reason?: string): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    await withTimeout(this.closed, 3000, 'close did not complete');
  }
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  query?: string;
}

/** Opens a client connection; rejects with the HTTP status when the handshake is refused. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(`${url}${options.query ?? ''}`, options.protocols ?? [], {
    headers: options.headers,
    perMessageDeflate: false,
  });
  const client = new TestClient(socket);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => {
        reject(
          Object.assign(new Error(`handshake refused with ${response.statusCode}`), { status: response.statusCode }),
        );
        response.resume();
      });
      socket.once('error', reject);
    }),
    5000,
    'handshake did not complete',
  );
  after(() => socket.terminate());
  return client;
}

/** The status a refused handshake got (throws if the handshake succeeded). */
export async function handshakeStatus(url: string, options: ConnectOptions = {}): Promise<number> {
  try {
    const client = await connect(url, options);
    await client.close();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined) return status;
    throw error;
  }
  throw new Error('handshake unexpectedly succeeded');
}

export interface RawUpgrade {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A hand-made upgrade request, to inspect the response headers of a handshake exactly. */
export function rawUpgrade(url: string, headers: Record<string, string> = {}): Promise<RawUpgrade> {
  const target = new URL(url.replace(/^ws/, 'http'));
  return withTimeout(
    new Promise<RawUpgrade>((resolve, reject) => {
      const req = request({
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...headers,
        },
      });
      req.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' });
      });
      req.on('response', (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      });
      req.on('error', reject);
      req.end();
    }),
    5000,
    'raw upgrade got no answer',
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
    }),
  ]);
}

/** An authorizer result that allows the connection, for tests about something else. */
export const ALLOW_ANY = {
  principalId: 'user',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
  },
} as const;

/** Records the events a handler receives, and lets a test await the next one. */
// biome-ignore lint/suspicious/noExplicitAny: events are AWS-shaped JSON that tests navigate freely.
export class EventRecorder<T = Record<string, any>> {
  readonly events: T[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];

  record(event: T): void {
    this.events.push(event);
    for (const waiter of [...this.#waiters]) {
      if (this.events.length >= waiter.count) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves with the `count`-th event (1-based) once it has arrived. */
  async nth(count: number, timeoutMs = 3000): Promise<T> {
    if (this.events.length < count) {
      await withTimeout(
        new Promise<void>((resolve) => this.#waiters.push({ count, resolve })),
        timeoutMs,
        `event ${count} did not arrive`,
      );
    }
    return this.events[count - 1] as T;
  }
}

/** A handler that records each event it gets and answers `result` (a one-way route ignores it). */
export function recordingHandler(
  recorder: EventRecorder,
  result: unknown = { statusCode: 200 },
): (event: Record<string, unknown>) => Promise<unknown> {
  return async (event) => {
    recorder.record(event);
    return result;
  };
}

/**
 * Asserts a gateway error frame byte for byte (spec 2, "Common frame template":
 * a space after `"message":`, none after `"connectionId":` or `"requestId":`) and
 * returns its requestId. Without `requestId` any id of the gateway's form is accepted.
 */
export function assertErrorFrame(frame: string, text: string, connectionId: string, requestId?: string): string {
  const rid = requestId ?? /"requestId":"([A-Za-z0-9_-]+=*)"}$/.exec(frame)?.[1];
  assert.ok(rid, `no requestId in ${frame}`);
  assert.equal(frame, `{"message": "${text}", "connectionId":"${connectionId}", "requestId":"${rid}"}`);
  return rid;
}

/** One request an HTTP backend received. */
export interface BackendRequest {
  method: string;
  /** Path and query string, e.g. `/messages?room=r1`. */
  url: string;
  /** Node's header map: names in lower case. */
  headers: IncomingHttpHeaders;
  body: string;
}

export interface BackendAnswer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface HttpBackend {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: EventRecorder<BackendRequest>;
  close(): Promise<void>;
}

/**
 * A real HTTP backend on a free loopback port for HTTP integrations: it records
 * every request and answers with `respond(request)` (200 with an empty body when
 * not given). It is closed after the test file's tests.
 */
export async function startHttpBackend(
  respond: (request: BackendRequest) => BackendAnswer | Promise<BackendAnswer> = () => ({}),
): Promise<HttpBackend> {
  const requests = new EventRecorder<BackendRequest>();
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const received: BackendRequest = {
        method: incoming.method ?? '',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.record(received);
      const answer = await respond(received);
      response.writeHead(answer.status ?? 200, answer.headers).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  after(close);
  return { url: `http://127.0.0.1:${port}`, requests, close };
}

/** The error a call rejected with, typed as the AWS SDK's errors are. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; requestId?: string } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata: { httpStatusCode?: number; requestId?: string } };
  }
  throw new Error('expected the call to fail');
}

/** Parses a gateway's Prometheus text exposition into `name{labels}` -> value. */
export async function metricSamples(metrics: { render(): Promise<{ body: string }> }): Promise<Map<string, number>> {
  const { body } = await metrics.render();
  const result = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    result.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return result;
}
