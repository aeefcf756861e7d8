/**
 * Test support for hostile clients: raw TCP sockets that send exactly the bytes a
 * test chooses (partial requests, partial frames, resets), and bounded waits on
 * what the gateway saw (its metrics).
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { after } from 'node:test';
import type { Gateway } from '../../src/gateway.ts';
import { metricSamples, sleep, withTimeout } from './gateway-harness.ts';

/** Opens a TCP connection to a loopback port; destroyed after the test file at the latest. */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connectTcp({ port, host: '127.0.0.1' });
  after(() => socket.destroy());
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    }),
    3000,
    'TCP connection not accepted',
  );
  // A reset the test provokes must not fail the test through an unhandled error.
  socket.on('error', () => {});
  return socket;
}

/** The text of a valid WebSocket upgrade request for `path`, with `headers` added or replacing the usual ones. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: '127.0.0.1',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  const lines = Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/** Everything the server sent until it closed the socket; rejects if it is still open after `ms`. */
export function untilClosed(socket: Socket, ms = 5000): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return withTimeout(
    new Promise<string>((resolve) => {
      const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
      if (socket.destroyed) done();
      else socket.once('close', done);
    }),
    ms,
    'the server did not close the socket',
  );
}

/** Resolves with what the server sent once it contains `text`. */
export function untilReceived(socket: Socket, text: string, ms = 3000): Promise<string> {
  let received = '';
  return withTimeout(
    new Promise<string>((resolve) => {
      const onData = (chunk: Buffer): void => {
        received += chunk.toString('latin1');
        if (!received.includes(text)) return;
        socket.off('data', onData);
        resolve(received);
      };
      socket.on('data', onData);
    }),
    ms,
    `"${text}" did not arrive`,
  );
}

/** A masked client frame (RFC 6455 5.2): text by default, with a zero mask so the payload stays readable. */
export function clientFrame(payload: string | Buffer, opcode = 1, fin = true): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = body.length;
  const header =
    length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length])
      : length < 65536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 127]),
            (() => {
              const size = Buffer.alloc(8);
              size.writeBigUInt64BE(BigInt(length));
              return size;
            })(),
          ]);
  return Buffer.concat([header, Buffer.alloc(4), body]);
}

/** The current value of one metric sample, e.g. `switchboard_client_errors_total{kind="reset"}` (0 when absent). */
export async function metricValue(gateway: Gateway, sample: string): Promise<number> {
  return (await metricSamples(gateway.metrics)).get(sample) ?? 0;
}

/** Waits (bounded) until a metric sample reaches `atLeast`. */
export async function untilMetric(gateway: Gateway, sample: string, atLeast: number, ms = 5000): Promise<void> {
  const giveUp = Date.now() + ms;
  while ((await metricValue(gateway, sample)) < atLeast) {
    if (Date.now() > giveUp) throw new Error(`${sample} did not reach ${atLeast} within ${ms} ms`);
    await sleep(10);
  }
}
