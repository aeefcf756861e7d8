/**
 * Every frame the gateway sends to clients goes through here: channel fan-out,
 * `@connections` posts, route responses and error frames.
 *
 *   publish ─▶ messageFrame() once ─▶ deliver() to each recipient ─▶ connection.outbox
 *                                                                    │ (same Buffer, no copy)
 *   setImmediate ─▶ flush(): one write per socket with frames queued this tick,
 *                   sockets queued the very same frames share one merged buffer
 *
 * Why (PERFORMANCE, "How the fastest servers do it"): building the frame once per
 * broadcast instead of per recipient, and merging a socket's frames of one tick
 * into one write (one syscall), is what takes `ws` from ~0.3M to ~2M deliveries/s
 * on one core. Frames are written to the TCP socket under `ws` directly: with
 * permessage-deflate off `ws`'s sender keeps no queue of its own, so its control
 * frames (pong, close) and ours interleave only at frame boundaries.
 *
 * Backpressure: a connection whose queued bytes (this tick's frames plus what the
 * kernel has not accepted) exceed `maxQueuedBytes` is a slow consumer. Fan-out and
 * server frames drop it with {@link SLOW_CONSUMER_CLOSE}; `@connections` posts ask
 * {@link Outbound.isCongested} first and answer 429 instead (spec 3.3). Either way
 * the heap holds at most about `maxQueuedBytes` plus one tick's frames per client.
 */
import { isUtf8 } from 'node:buffer';
import * as wsModule from 'ws';
import type { CloseCause, Connection } from '../connection.ts';

/**
 * Close code for a slow consumer: 1013 "Try Again Later" (RFC 6455 section 7.4.2,
 * IANA registry: "the server is terminating the connection due to a temporary
 * condition, e.g. it is overloaded and is casting off some of its clients"). That
 * is the case here, and clients treat it as "reconnect later", which is right: a
 * reconnecting chat client catches up from history. The connection is dropped
 * without a closing handshake (the client is not reading, so a close frame would
 * wait behind the bytes it is not reading); `$disconnect` reports this code and
 * reason, the client sees 1006.
 */
export const SLOW_CONSUMER_CLOSE: CloseCause = { code: 1013, reason: 'Try Again Later: slow consumer' };

export interface OutboundOptions {
  /** See `LimitsDefinition.maxQueuedBytesPerConnection`. */
  maxQueuedBytes: number;
}

/**
 * A socket's frames of one tick are written early once they reach this size, so
 * the outbox stays small and `writableLength` (what the kernel refused) is what
 * measures a slow consumer, not the size of one burst.
 */
const EARLY_FLUSH_BYTES = 64 * 1024;

const TEXT_FRAME = { fin: true, opcode: 1, mask: false, rsv1: false, readOnly: false } as const;
const BINARY_FRAME = { ...TEXT_FRAME, opcode: 2 } as const;

/** `ws` exports its frame builder (`Sender.frame`), but `@types/ws` does not declare it. */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: typeof TEXT_FRAME | typeof BINARY_FRAME): Buffer[] };
};

/**
 * One unmasked, unfragmented frame (RFC 6455 5.2) holding `data`, as one buffer:
 * a text frame for a string or UTF-8 bytes, a binary frame for other bytes (a text
 * frame with them would fail the client with 1007).
 */
export function messageFrame(data: string | Buffer): Buffer {
  const text = typeof data === 'string' || isUtf8(data);
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const [header, body] = Sender.frame(payload, text ? TEXT_FRAME : BINARY_FRAME) as [Buffer, Buffer?];
  return body === undefined ? header : Buffer.concat([header, body], header.length + body.length);
}

export class Outbound {
  readonly #maxQueuedBytes: number;
  /** Connections with frames in their outbox, flushed together at the end of the tick. */
  #dirty: Connection[] = [];
  #scheduled = false;

  constructor(options: OutboundOptions) {
    this.#maxQueuedBytes = options.maxQueuedBytes;
  }

  /** Whether the connection already has more than `maxQueuedBytes` waiting. */
  isCongested(connection: Connection): boolean {
    return connection.queuedBytes > this.#maxQueuedBytes;
  }

  /** Frames `data` and delivers it to one connection. */
  send(connection: Connection, data: string | Buffer): boolean {
    return this.deliver(connection, messageFrame(data));
  }

  /**
   * Queues a built frame for one connection. Returns false when the connection is
   * not open, or is a slow consumer and has just been dropped.
   */
  deliver(connection: Connection, frame: Buffer): boolean {
    if (!connection.open) return false;
    if (connection.outboxBytes + connection.raw.writableLength > this.#maxQueuedBytes) {
      connection.terminateBy(SLOW_CONSUMER_CLOSE);
      return false;
    }
    const outbox = connection.outbox;
    if (outbox === null) {
      connection.outbox = [frame];
      this.#dirty.push(connection);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    } else {
      outbox.push(frame);
    }
    connection.outboxBytes += frame.length;
    if (connection.outboxBytes >= EARLY_FLUSH_BYTES) connection.flush();
    return true;
  }

  /**
   * Delivers one built frame to every recipient but `except`, stamping their
   * activity with `now` (a delivered frame keeps a connection from idling out).
   * @returns how many recipients it was queued for
   */
  fanOut(recipients: Iterable<Connection>, frame: Buffer, except: Connection | undefined, now: number): number {
    let delivered = 0;
    for (const connection of recipients) {
      if (connection === except || !this.deliver(connection, frame)) continue;
      connection.lastActiveAt = now;
      delivered++;
    }
    return delivered;
  }

  /**
   * Writes every outbox queued since the last flush; bound once, so scheduling
   * allocates nothing. A room's members are queued the same frames in the same
   * order (fan-out walks them frame by frame), so a socket whose outbox holds the
   * very buffers of the one before it is given that socket's merged buffer instead
   * of copying the same bytes again: one concatenation per room and tick, not per
   * member.
   */
  readonly #flush = (): void => {
    this.#scheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    let previous: Buffer[] | null = null;
    let merged: Buffer | undefined;
    for (let i = 0; i < dirty.length; i++) {
      const connection = dirty[i] as Connection;
      const outbox = connection.outbox;
      if (outbox === null || outbox.length === 1) {
        connection.flush();
        continue;
      }
      if (previous === null || !sameFrames(outbox, previous)) {
        merged = Buffer.concat(outbox, connection.outboxBytes);
        previous = outbox;
      }
      connection.flush(merged);
    }
  };
}

/** Whether two outboxes hold the same buffers (not only equal bytes) in the same order. */
function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
