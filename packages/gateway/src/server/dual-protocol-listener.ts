/**
 * One TCP port that speaks both plain HTTP/WebSocket and TLS (HTTPS/WSS), told
 * apart by the first byte of each connection (0x16 opens a TLS handshake).
 *
 * Why: handlers build their management endpoint as `https://${domainName}/${stage}`
 * (spec 9.4, pain point 1) while local clients connect with `ws://`. Serving both
 * on the port in `domainName` makes the unchanged AWS callback URL work locally.
 *
 * Every accepted socket is owned from its first moment: an error listener before
 * anything else can happen (a reset before the first byte must not reach the
 * process as an unhandled `error` event), and a deadline for the first byte, so a
 * client that connects and stays silent does not hold a socket forever.
 *
 *   accept ─▶ error listener, first-byte deadline ─▶ first byte ─▶ TLS? https server : http server
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

const TLS_HANDSHAKE_RECORD = 0x16;

export interface DualProtocolListenerOptions {
  /** How long a new socket may stay silent before it is closed. */
  firstByteTimeoutMs: number;
  /** Called when a socket is closed for not sending its first byte in time. */
  onFirstByteTimeout?: () => void;
  /** Called when a socket fails (reset, ...) before its first byte. */
  onEarlyError?: () => void;
}

export interface DualProtocolListener {
  server: Server;
  /**
   * Destroys every socket still open (idle keep-alive HTTP clients). The HTTP
   * servers never listen themselves, so their own connection tracking is unused.
   */
  destroyAllSockets(): void;
}

/** Per-listener state hung off each socket, so the shared listeners below need no closures. */
interface AcceptState {
  sockets: Set<Socket>;
  plain: HttpServer;
  secure: HttpsServer | undefined;
  options: DualProtocolListenerOptions;
}

const kAccept = Symbol('switchboard.accept');
const kFirstByteTimer = Symbol('switchboard.firstByteTimer');

type AcceptedSocket = Socket & { [kAccept]: AcceptState; [kFirstByteTimer]: NodeJS.Timeout | undefined };

export function createDualProtocolListener(
  plain: HttpServer,
  secure: HttpsServer | undefined,
  options: DualProtocolListenerOptions,
): DualProtocolListener {
  const state: AcceptState = { sockets: new Set(), plain, secure, options };
  const server = createServer((raw: Socket) => {
    const socket = raw as AcceptedSocket;
    socket[kAccept] = state;
    // First, before any await or event: a reset now must not become an unhandled error.
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    state.sockets.add(socket);
    socket[kFirstByteTimer] = setTimeout(onFirstByteTimeout, options.firstByteTimeoutMs, socket);
    socket.once('data', socketOnFirstData);
  });
  // A failed accept (EMFILE, ...) is reported on the server; the listener keeps going.
  server.on('error', ignore);
  return {
    server,
    destroyAllSockets() {
      for (const socket of state.sockets) socket.destroy();
    },
  };
}

/**
 * Hands an upgraded socket over for good: the WebSocket layer now owns its errors
 * and its end, so the listeners and the set entry of an accepted socket would only
 * cost memory for as long as the connection lives. A socket that did not come from
 * this listener as it is (a TLS socket wraps one) is left alone.
 */
export function releaseAcceptedSocket(socket: Duplex): void {
  const accepted = socket as Partial<AcceptedSocket>;
  const state = accepted[kAccept];
  if (state === undefined) return;
  state.sockets.delete(accepted as AcceptedSocket);
  socket.off('error', socketOnError);
  socket.off('close', socketOnClose);
}

function socketOnFirstData(this: AcceptedSocket, chunk: Buffer): void {
  clearTimeout(this[kFirstByteTimer]);
  this[kFirstByteTimer] = undefined;
  const { plain, secure } = this[kAccept];
  // Give the byte back and let the chosen server read from the start.
  this.pause();
  this.unshift(chunk);
  (secure && chunk[0] === TLS_HANDSHAKE_RECORD ? secure : plain).emit('connection', this);
  process.nextTick(resumeSocket, this);
}

function resumeSocket(socket: Socket): void {
  socket.resume();
}

function onFirstByteTimeout(socket: AcceptedSocket): void {
  socket[kFirstByteTimer] = undefined;
  socket[kAccept].options.onFirstByteTimeout?.();
  socket.destroy();
}

/**
 * Errors of the raw socket. Before the first byte they end it here; afterwards the
 * HTTP or TLS server owns it and reports its errors too (this listener only keeps
 * a late error from being unhandled).
 */
function socketOnError(this: AcceptedSocket): void {
  if (this[kFirstByteTimer] !== undefined) {
    clearTimeout(this[kFirstByteTimer]);
    this[kFirstByteTimer] = undefined;
    this[kAccept].options.onEarlyError?.();
  }
  this.destroy();
}

function socketOnClose(this: AcceptedSocket): void {
  clearTimeout(this[kFirstByteTimer]);
  this[kFirstByteTimer] = undefined;
  this[kAccept].sockets.delete(this);
}

function ignore(): void {}
