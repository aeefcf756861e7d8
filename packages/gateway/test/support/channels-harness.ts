/**
 * Test support for channels: connections that know their id, a raw WebSocket
 * client that stops reading (a slow consumer), SigV4-signed `@channels` requests,
 * and the SDK-shaped error of a rejected call.
 */
import assert from 'node:assert/strict';
import { type Socket, connect as tcpConnect } from 'node:net';
import { after } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RouteDefinition } from '../../src/definition.ts';
import type { WebSocketEvent } from '../../src/events.ts';
import { connect, type EventRecorder, type TestClient, withTimeout } from './gateway-harness.ts';

/** A `$default` route that answers with the caller's connection id. */
export const whoami: RouteDefinition = {
  handler: async (event: WebSocketEvent) => ({ statusCode: 200, body: event.requestContext.connectionId }),
  routeResponse: true,
};

/** A `$disconnect` route that records its events. */
export function disconnectRecorder(recorder: EventRecorder): RouteDefinition {
  return {
    handler: async (event: Record<string, unknown>) => {
      recorder.record(event);
      return { statusCode: 200 };
    },
  };
}

export interface IdentifiedClient {
  client: TestClient;
  id: string;
}

/** Connects a client to a gateway with the {@link whoami} route and learns its connection id. */
export async function connectWithId(url: string): Promise<IdentifiedClient> {
  const client = await connect(url);
  client.send('whoami');
  return { client, id: (await client.next()).trim() };
}

/** Asserts a management-API error response: status, `x-amzn-ErrorType`, `x-amzn-RequestId`, JSON message. */
export async function assertApiError(response: Response, status: number, errorType: string): Promise<string> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('x-amzn-errortype'), errorType);
  assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { message: string };
  assert.equal(typeof body.message, 'string');
  return body.message;
}

/** A `fetch` to the gateway signed with SigV4 for `execute-api`, as the AWS SDK signs. */
export async function signedFetch(
  url: string,
  init: { method: string; body?: string },
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'execute-api', sha256: Sha256 });
  const signed = await signer.sign({
    method: init.method,
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: {},
    headers: { host: target.host },
    body: init.body,
  });
  return fetch(url, { method: init.method, body: init.body, headers: signed.headers });
}

/**
 * A WebSocket client made by hand over TCP, to see the exact bytes the gateway
 * writes (frames are unmasked server frames, RFC 6455 5.1), or to stop reading.
 */
export class RawClient {
  readonly socket: Socket;
  #received: Buffer[] = [];
  #size = 0;
  #waiter: { bytes: number; resolve: () => void } | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Completes the handshake by hand; `read: false` stops reading right after the 101 (a slow consumer). */
  static async connect(url: string, { read = true } = {}): Promise<RawClient> {
    const target = new URL(url);
    const socket = tcpConnect({ host: target.hostname, port: Number(target.port) });
    after(() => socket.destroy());
    socket.on('error', () => {});
    const client = new RawClient(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        let head = Buffer.alloc(0);
        const onHead = (chunk: Buffer): void => {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          socket.off('data', onHead);
          if (!read)
            socket.pause(); // the kernel's receive buffer fills, then the gateway's queue
          else socket.on('data', (data: Buffer) => client.#push(data));
          if (head.subarray(end + 4).length > 0) client.#push(head.subarray(end + 4));
          const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
          if (status.startsWith('HTTP/1.1 101')) resolve();
          else reject(new Error(`handshake refused: ${status}`));
        };
        socket.on('data', onHead);
        socket.once('connect', () =>
          socket.write(
            `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
      }),
      5000,
      'the raw client did not complete its handshake',
    );
    return client;
  }

  /** Every byte received after the handshake, once at least `bytes` have arrived. */
  async receivedAtLeast(bytes: number, timeoutMs = 3000): Promise<Buffer> {
    if (this.#size < bytes) {
      await withTimeout(
        new Promise<void>((resolve) => {
          this.#waiter = { bytes, resolve };
        }),
        timeoutMs,
        `${bytes} bytes did not arrive (got ${this.#size})`,
      );
    }
    return Buffer.concat(this.#received);
  }

  #push(data: Buffer): void {
    this.#received.push(data);
    this.#size += data.length;
    if (this.#waiter && this.#size >= this.#waiter.bytes) {
      this.#waiter.resolve();
      this.#waiter = undefined;
    }
  }
}
