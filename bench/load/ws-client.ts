/**
 * A minimal WebSocket client for the receive side of the benchmarks. A general
 * client (`ws`) allocates a Buffer and emits an event per message; at millions of
 * deliveries per second on one core that is what saturates first. This one walks
 * the frame headers of each read, counts whole messages and reads the publish
 * stamp in place, with one clock read per read() rather than per message.
 *
 * It speaks plain WebSocket and the Engine.IO v4 / Socket.IO v5 text protocol
 * (`0` open, `40` namespace connect, `2`/`3` ping/pong, `42` event), so Socket.IO
 * is driven by the same loop as every other server.
 */
import { randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { nowMicros, readStamp } from './payload.ts';

export type Dialect = 'websocket' | 'socket.io';

export interface ClientTarget {
  host: string;
  port: number;
  /** Request path, with the query string. */
  path: string;
  dialect: Dialect;
  /** Extra handshake headers (`Authorization` for the authorizer variants). */
  headers?: Record<string, string>;
  /**
   * Text sent once the socket is open; the client counts as ready when the first
   * reply arrives (Switchboard's `subscribe` route answers with a route response).
   */
  hello?: string;
}

/** Where every client of one load process reports what it receives. */
export interface ReceiveSink {
  received: number;
  /** Called per message with its publish-to-receive time, only while recording. */
  latency: ((micros: number) => void) | undefined;
  onClose(client: WsClient): void;
}

const HANDSHAKE = 0;
const OPENING = 1;
const READY = 2;
const CLOSED = 3;

const HEADER_END = Buffer.from('\r\n\r\n');
/** Shared by every client of the process: each read is fully handled before the next. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

export class WsClient {
  readonly socket: Socket;
  readonly #target: ClientTarget;
  readonly #sink: ReceiveSink;
  #state = HANDSHAKE;
  #pending: Buffer | undefined = undefined;
  #settle: ((error?: Error) => void) | undefined;

  /** Resolves once the client is ready for messages; rejects when the handshake fails. */
  readonly ready: Promise<void>;

  constructor(target: ClientTarget, localAddress: string, sink: ReceiveSink) {
    this.#target = target;
    this.#sink = sink;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        this.#settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
    this.socket = connect({
      host: target.host,
      port: target.port,
      localAddress,
      noDelay: true,
      // Reads land in one process-wide buffer and skip the stream machinery and a
      // Buffer allocation per read: the receive loop's biggest per-read costs.
      onread: {
        buffer: readBuffer,
        callback: (size: number, buffer: Uint8Array) => {
          this.#onData(Buffer.from(buffer.buffer, buffer.byteOffset, size));
          return true;
        },
      },
    });
    this.socket.on('connect', () => this.socket.write(handshakeRequest(target)));
    this.socket.on('error', (error) => this.#settle?.(error));
    this.socket.on('close', () => {
      this.#state = CLOSED;
      this.#settle?.(new Error('closed before ready'));
      this.#sink.onClose(this);
    });
  }

  get isReady(): boolean {
    return this.#state === READY;
  }

  /** Sends one masked text frame. */
  send(text: string): void {
    this.socket.write(maskedFrame(0x1, Buffer.from(text)));
  }

  close(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    if (this.#state === HANDSHAKE) {
      const end = data.indexOf(HEADER_END);
      if (end === -1) {
        this.#pending = Buffer.from(data);
        return;
      }
      const status = data.toString('latin1', 9, 12);
      if (status !== '101') {
        this.#settle?.(new Error(`handshake answered ${status}`));
        this.socket.destroy();
        return;
      }
      data = data.subarray(end + 4);
      this.#opened();
    }
    this.#readFrames(data);
  }

  #opened(): void {
    if (this.#target.hello !== undefined) {
      this.#state = OPENING;
      this.send(this.#target.hello);
    } else if (this.#target.dialect === 'socket.io') {
      this.#state = OPENING;
    } else {
      this.#state = READY;
      this.#settle?.();
    }
  }

  /** Walks the frames of one read; an incomplete frame waits for the next read. */
  #readFrames(data: Buffer): void {
    const sink = this.#sink;
    const arrived = sink.latency ? nowMicros() : 0;
    let offset = 0;
    const length = data.length;
    while (offset + 2 <= length) {
      const first = data[offset]!;
      let size = data[offset + 1]! & 0x7f;
      let start = offset + 2;
      if (size === 126) {
        if (start + 2 > length) break;
        size = data.readUInt16BE(start);
        start += 2;
      } else if (size === 127) {
        if (start + 8 > length) break;
        size = data.readUInt32BE(start + 4);
        start += 8;
      }
      const end = start + size;
      if (end > length) break;
      const opcode = first & 0x0f;
      if (opcode < OPCODE_CLOSE) {
        if (first & 0x80) this.#onMessage(data, start, end, arrived);
      } else if (opcode === OPCODE_PING) {
        this.socket.write(maskedFrame(OPCODE_PONG, data.subarray(start, end)));
      } else if (opcode === OPCODE_CLOSE) {
        this.socket.end(maskedFrame(OPCODE_CLOSE, data.subarray(start, Math.min(end, start + 2))));
        return;
      }
      offset = end;
    }
    if (offset < length) this.#pending = Buffer.from(data.subarray(offset));
  }

  #onMessage(data: Buffer, start: number, end: number, arrived: number): void {
    if (this.#target.dialect === 'socket.io') {
      const type = data[start];
      if (type === 0x32 /* '2' ping */) {
        this.send('3');
        return;
      }
      if (type === 0x30 /* '0' open */) {
        this.send('40');
        return;
      }
      if (this.#state === OPENING && type === 0x34 && data[start + 1] === 0x30 /* '40' */) {
        this.#ready();
        return;
      }
      if (data[start + 1] === 0x34 /* '44' connect error */) {
        this.#settle?.(new Error('socket.io refused the connection'));
        return;
      }
    } else if (this.#state === OPENING) {
      this.#ready();
      return;
    }
    const sink = this.#sink;
    sink.received++;
    if (sink.latency) {
      const stamp = readStamp(data, start, end);
      if (stamp !== -1) sink.latency(arrived - stamp);
    }
  }

  #ready(): void {
    this.#state = READY;
    this.#settle?.();
  }
}

function handshakeRequest(target: ClientTarget): string {
  let request =
    `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  for (const [name, value] of Object.entries(target.headers ?? {})) request += `${name}: ${value}\r\n`;
  return `${request}\r\n`;
}

const mask = Buffer.alloc(4);

/** RFC 6455 5.3: client frames are masked; payloads here are small (under 64 KiB). */
function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const size = payload.length;
  const extended = size >= 126 ? 2 : 0;
  const frame = Buffer.allocUnsafe(6 + extended + size);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | (extended ? 126 : size);
  if (extended) frame.writeUInt16BE(size, 2);
  randomFillSync(mask);
  const maskAt = 2 + extended;
  mask.copy(frame, maskAt);
  for (let index = 0; index < size; index++) frame[maskAt + 4 + index] = payload[index]! ^ mask[index & 3]!;
  return frame;
}
