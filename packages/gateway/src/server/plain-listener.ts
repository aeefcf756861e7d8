/**
 * The listener of a gateway without TLS: every accepted socket goes to the HTTP
 * server at once, so Node's HTTP parser reads it natively from its first byte.
 * Telling protocols apart (dual-protocol-listener.ts) reads the first bytes in
 * JavaScript and hands them back (pause, unshift, resume), and the parser then
 * parses them from JavaScript too: about a fifth of a handshake's JavaScript time.
 *
 * The first-byte deadline is kept without reading the socket: one sweep every
 * quarter of the deadline (within [10 ms, 1 s], as Node checks its header
 * deadline) closes the sockets that have still read no byte once the deadline has
 * passed since their accept, so a socket costs an array slot instead of a timer.
 * Node's own header deadline also runs from the accept until the first byte (and
 * from there on, for the head); the listener's owner counts a socket that deadline
 * closes without a byte as a first-byte timeout, so which of the two closes a
 * silent client first makes no difference. That is also why the owner takes this
 * listener only when the first-byte deadline is not the longer one.
 *
 *   accept ─▶ http server (parser reads natively) ─┬─ bytes ─▶ request / upgrade
 *                                                 └─ none by the deadline ─▶ closed
 */
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

export interface PlainListenerOptions {
  /** How long a new socket may stay silent before it is closed. */
  firstByteTimeoutMs: number;
  /** Called when a socket is closed for not sending its first byte in time. */
  onFirstByteTimeout?: () => void;
}

export interface PlainListener {
  server: Server;
  /** Destroys every socket the HTTP server still has (idle keep-alive HTTP clients). */
  destroyAllSockets(): void;
}

/** Sockets accepted between two sweeps, with a time no earlier than any of their accepts. */
interface Cohort {
  acceptedBy: number;
  sockets: Socket[];
}

export function createPlainListener(plain: HttpServer, options: PlainListenerOptions): PlainListener {
  const { firstByteTimeoutMs } = options;
  let accepted: Socket[] = [];
  let cohorts: Cohort[] = [];
  const server = createServer((socket: Socket) => {
    // Synchronously: the HTTP server's error listener is on the socket before anything can happen.
    plain.emit('connection', socket);
    accepted.push(socket);
  });
  const sweep = (): void => {
    const now = Date.now();
    // Stamped now, an upper bound of their accepts: a deadline may pass late by a sweep, never early.
    if (accepted.length > 0) cohorts.push({ acceptedBy: now, sockets: accepted });
    accepted = [];
    const kept: Cohort[] = [];
    for (const cohort of cohorts) {
      const expired = now - cohort.acceptedBy >= firstByteTimeoutMs;
      const silent: Socket[] = [];
      for (const socket of cohort.sockets) {
        if (socket.destroyed || socket.bytesRead > 0) continue;
        if (expired) {
          options.onFirstByteTimeout?.();
          socket.destroy();
        } else {
          silent.push(socket);
        }
      }
      if (silent.length > 0) kept.push({ acceptedBy: cohort.acceptedBy, sockets: silent });
    }
    cohorts = kept;
  };
  // From listening to closed only: a listener that failed to bind keeps no timer.
  server.once('listening', () => {
    const interval = setInterval(sweep, Math.max(10, Math.min(1000, Math.floor(firstByteTimeoutMs / 4))));
    interval.unref();
    server.once('close', () => clearInterval(interval));
  });
  // A failed accept (EMFILE, ...) is reported on the server; the listener keeps going.
  server.on('error', ignore);
  return {
    server,
    destroyAllSockets() {
      plain.closeAllConnections();
    },
  };
}

function ignore(): void {}
