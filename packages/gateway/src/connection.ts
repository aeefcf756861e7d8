import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { ConnectionFacts } from './events.ts';

/** Why the gateway itself closed a connection; reported on `$disconnect` (spec 1.4). */
export interface CloseCause {
  code: number;
  reason: string;
}

/** A client message read while its connection had no free call slot. */
export interface WaitingMessage {
  data: Buffer;
  isBinary: boolean;
}

/** Spec 4: a frame or message over the limit closes the connection with 1009. */
export const MESSAGE_TOO_BIG: CloseCause = { code: 1009, reason: 'Message too big' };

/**
 * What the gateway does with a connection's socket events. One object per gateway,
 * shared by all its connections: the `ws` listeners below are module-level
 * functions that find the connection through a symbol, so an idle connection
 * carries no closures of its own (the pattern of `ws`'s own `lib/websocket.js`).
 */
export interface ConnectionEvents {
  message(connection: Connection, data: Buffer, isBinary: boolean): void;
  close(connection: Connection, code: number, reason: Buffer): void;
}

/**
 * The gateway's state for one established connection. Kept small and of one
 * shape (every field set in the constructor): no timers (one sweeper serves all
 * connections), no retained upgrade request, no per-connection closures.
 */
export class Connection {
  readonly socket: WebSocket;
  /** The TCP (or TLS) socket under `socket`; pre-built frames are written to it directly. */
  readonly raw: Duplex;
  readonly facts: ConnectionFacts;
  readonly userAgent: string;
  readonly events: ConnectionEvents;
  lastActiveAt: number;
  /** Set when the gateway closes the connection, so `$disconnect` reports the gateway's reason. */
  closeCause: CloseCause | undefined = undefined;
  /** False once the connection is closing: posts then answer 410 (spec 3.3). */
  open = true;
  /** Frames queued during this event-loop tick; `flush()` writes them in one call. */
  outbox: Buffer[] | null = null;
  outboxBytes = 0;
  /**
   * The channels this connection is subscribed to, kept by the channel registry:
   * null for none, the name for one (no Set for the usual case), a Set for more.
   */
  channels: string | Set<string> | null = null;
  /** Integration calls of this connection's messages now running (flow control, routing/message-pipeline.ts). */
  inFlight = 0;
  /** Messages read while every call slot was taken, in order; not null means the socket is paused. */
  waiting: WaitingMessage[] | null = null;

  constructor(socket: WebSocket, raw: Duplex, facts: ConnectionFacts, userAgent: string, events: ConnectionEvents) {
    this.socket = socket;
    this.raw = raw;
    this.facts = facts;
    this.userAgent = userAgent;
    this.events = events;
    this.lastActiveAt = facts.connectedAt;
  }

  get id(): string {
    return this.facts.connectionId;
  }

  /** Starts delivering the socket's events to `events`. */
  attach(): void {
    (this.socket as SocketWithConnection)[kConnection] = this;
    this.socket.on('message', socketOnMessage);
    this.socket.on('error', socketOnError);
    this.socket.on('close', socketOnClose);
  }

  /** How many channels this connection is subscribed to. */
  get channelCount(): number {
    const channels = this.channels;
    return channels === null ? 0 : typeof channels === 'string' ? 1 : channels.size;
  }

  /** Bytes waiting to be written to this client: queued this tick plus what the kernel has not taken. */
  get queuedBytes(): number {
    return this.outboxBytes + this.raw.writableLength;
  }

  /**
   * Writes the frames queued this tick as one buffer (one syscall): `merged`, when
   * the caller already holds these frames concatenated (server/outbound.ts).
   */
  flush(merged?: Buffer): void {
    const outbox = this.outbox;
    if (outbox === null) return;
    const bytes = this.outboxBytes;
    this.outbox = null;
    this.outboxBytes = 0;
    // RFC 6455 5.5.1: nothing may follow a close frame, and `ws` may have answered
    // the client's close (or sent ours) since these frames were queued.
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.raw.write(merged ?? (outbox.length === 1 ? (outbox[0] as Buffer) : Buffer.concat(outbox, bytes)));
  }

  /** Closes from the gateway's side with a close frame (after this tick's frames), remembering why. */
  closeBy(cause: CloseCause): void {
    if (!this.open) return;
    this.open = false;
    this.closeCause = cause;
    this.flush();
    this.socket.close(cause.code, cause.reason);
  }

  /**
   * Drops the connection at once, without a closing handshake: for a client that
   * does not read, a close frame would only queue behind the bytes it is not reading.
   */
  terminateBy(cause: CloseCause): void {
    if (!this.open) return;
    this.open = false;
    this.closeCause = cause;
    this.outbox = null;
    this.outboxBytes = 0;
    this.socket.terminate();
  }
}

const kConnection = Symbol('switchboard.connection');

type SocketWithConnection = WebSocket & { [kConnection]: Connection };

function socketOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const connection = (this as SocketWithConnection)[kConnection];
  connection.events.message(connection, data, isBinary);
}

function socketOnError(this: WebSocket, error: Error & { code?: string }): void {
  // `ws` closes the socket itself on protocol errors; remember why for $disconnect.
  const connection = (this as SocketWithConnection)[kConnection];
  connection.open = false;
  connection.closeCause ??= protocolErrorCause(error);
}

/** The close code `ws` sent for a protocol error (RFC 6455 section 7.4.1), for `$disconnect`. */
function protocolErrorCause(error: Error & { code?: string }): CloseCause {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || error.code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH') {
    return MESSAGE_TOO_BIG;
  }
  if (error.code === 'WS_ERR_INVALID_UTF8') return { code: 1007, reason: error.message };
  return { code: 1002, reason: error.message };
}

function socketOnClose(this: WebSocket, code: number, reason: Buffer): void {
  const connection = (this as SocketWithConnection)[kConnection];
  connection.open = false;
  connection.outbox = null;
  connection.outboxBytes = 0;
  connection.events.close(connection, code, reason);
}
