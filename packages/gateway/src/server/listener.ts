/**
 * Opens one of the gateway's TCP listeners: an HTTP server for requests and
 * upgrades, with TLS on the same port unless turned off (the first byte of each
 * connection tells the protocols apart, see dual-protocol-listener.ts; without
 * TLS the HTTP server reads every socket from its accept, see plain-listener.ts).
 *
 * Deadlines, so no client holds a socket by going slow (slowloris):
 *
 *   accept ──first byte (firstByteTimeoutMs)──▶ TLS handshake (requestHeadersTimeoutMs)
 *          ──request head complete (requestHeadersTimeoutMs, from its first byte)──▶ request / upgrade
 *
 * After the head, an upgrade belongs to the handshake pipeline (the authorizer and
 * `$connect` have their own timeouts) and a request to its handler. Every client
 * error (reset, malformed or oversized head, timeout) ends that socket only, and
 * is counted.
 */
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientErrorKind } from '../observability/metrics.ts';
import { ensureLocalCertificate } from '../tls/local-certificate.ts';
import { createDualProtocolListener } from './dual-protocol-listener.ts';
import { createPlainListener } from './plain-listener.ts';

export type TlsOption = 'auto' | false | { key: string; cert: string };

export interface SocketDeadlines {
  /** How long a new connection may stay silent. */
  firstByteTimeoutMs: number;
  /** How long a TLS handshake, and then a request head (line and headers), may take. */
  requestHeadersTimeoutMs: number;
}

export interface ListenerOptions extends SocketDeadlines {
  host: string;
  port: number;
  /**
   * Under `node:cluster`, listen apart from the other workers instead of sharing the
   * primary's handle for the same address and port.
   * @default false
   */
  exclusive?: boolean;
  tls: TlsOption;
  onRequest(request: IncomingMessage, response: ServerResponse): void;
  /** Upgrade requests; `secure` tells whether the client spoke TLS. Without it upgrades are refused by Node. */
  onUpgrade?(request: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void;
  /** Told about every socket ended for a client error. */
  onClientError?(kind: ClientErrorKind): void;
}

export interface OpenListener {
  /** The port actually bound (the one asked for, or a free one for 0). */
  port: number;
  /** Stops accepting; resolves once every accepted socket has closed. */
  close(): Promise<void>;
  /** Destroys every socket still open (idle keep-alive HTTP clients hold the port open otherwise). */
  destroyAllSockets(): void;
}

/** Whole requests (head and body) must arrive within this long, as Node's default. */
const REQUEST_TIMEOUT_MS = 300_000;

export async function openListener(options: ListenerOptions): Promise<OpenListener> {
  const report = options.onClientError ?? (() => {});
  // Without TLS nothing needs telling apart, unless a silent socket must outlive the
  // header deadline, which Node's parser counts from the accept (plain-listener.ts).
  const plainOnly = options.tls === false && options.firstByteTimeoutMs <= options.requestHeadersTimeoutMs;
  const plain = createHttpServer(httpOptions(options), options.onRequest);
  ownClientErrors(plain, report, plainOnly);
  let secure: HttpsServer | undefined;
  if (options.tls !== false) {
    const credentials = typeof options.tls === 'object' ? options.tls : await ensureLocalCertificate();
    secure = createHttpsServer(
      {
        ...httpOptions(options),
        key: credentials.key,
        cert: credentials.cert,
        handshakeTimeout: options.requestHeadersTimeoutMs,
      },
      options.onRequest,
    );
    ownClientErrors(secure, report, false);
    secure.on('tlsClientError', (error: Error & { code?: string }, socket: Duplex) => {
      report(error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'request_timeout' : 'tls_error');
      socket.destroy();
    });
  }
  const onUpgrade = options.onUpgrade;
  if (onUpgrade) {
    plain.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      onUpgrade(request, socket, head, false),
    );
    secure?.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      onUpgrade(request, socket, head, true),
    );
  }
  for (const server of [plain, secure]) {
    // The HTTP servers never listen themselves (the dual listener hands them sockets),
    // and Node starts enforcing `headersTimeout` and `requestTimeout` on 'listening'.
    server?.emit('listening');
  }
  const onFirstByteTimeout = (): void => report('first_byte_timeout');
  const accepting = plainOnly
    ? createPlainListener(plain, { firstByteTimeoutMs: options.firstByteTimeoutMs, onFirstByteTimeout })
    : createDualProtocolListener(plain, secure, {
        firstByteTimeoutMs: options.firstByteTimeoutMs,
        onFirstByteTimeout,
        onEarlyError: () => report('reset'),
      });
  const server = accepting.server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, exclusive: options.exclusive ?? false }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stopped = new Promise<void>((resolve) => server.once('close', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      server.close();
      // Stops the HTTP servers' deadline checks (they were never listening, so close() only does that).
      plain.close();
      secure?.close();
      return stopped;
    },
    destroyAllSockets: accepting.destroyAllSockets,
  };
}

function httpOptions({ requestHeadersTimeoutMs }: SocketDeadlines) {
  return {
    headersTimeout: requestHeadersTimeoutMs,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, requestHeadersTimeoutMs),
    // How often Node checks those deadlines: a quarter of the limit, within [10 ms, 1 s].
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(requestHeadersTimeoutMs / 4))),
  };
}

/**
 * Counts client errors and answers them as Node would without this listener: 408
 * for a head that came too slowly, 431 for one too large, 400 for a malformed one,
 * nothing for a reset; then the socket is destroyed. A response this client's own
 * bad bytes cut into may be corrupted, which harms no one else. With
 * `fromAccept` (the server reads its sockets from their accept, plain-listener.ts),
 * a head deadline that passed before a single byte came is the first byte's: the
 * socket is closed without an answer, as the first-byte deadline closes it.
 */
function ownClientErrors(
  server: HttpServer | HttpsServer,
  report: (kind: ClientErrorKind) => void,
  fromAccept: boolean,
): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex & { bytesRead?: number }) => {
    const answer =
      fromAccept && error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.bytesRead === 0
        ? FIRST_BYTE_TIMEOUT
        : clientErrorAnswer(error.code);
    report(answer.kind);
    if (answer.status !== undefined && socket.writable) {
      socket.write(`HTTP/1.1 ${answer.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
}

interface ClientErrorAnswer {
  kind: ClientErrorKind;
  /** The status line's code and text to answer with; none: the socket is just closed. */
  status?: string;
}

const FIRST_BYTE_TIMEOUT: ClientErrorAnswer = { kind: 'first_byte_timeout' };

function clientErrorAnswer(code: string | undefined): ClientErrorAnswer {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { kind: 'request_timeout', status: '408 Request Timeout' };
  if (code === 'HPE_HEADER_OVERFLOW')
    return { kind: 'malformed_request', status: '431 Request Header Fields Too Large' };
  if (code?.startsWith('HPE_')) return { kind: 'malformed_request', status: '400 Bad Request' };
  return { kind: 'reset' };
}
