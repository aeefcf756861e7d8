/**
 * How API Gateway presents a client's handshake to `$connect` and the authorizer
 * (spec 1.1, 1.2, 6): header names keep the client's case, `Connection` and
 * `Upgrade` are dropped for `$connect` but kept for the authorizer, and API
 * Gateway's own `X-Forwarded-*` and `X-Amzn-Trace-Id` headers are added.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HandshakeFacts } from '../events.ts';
import { randomText } from '../random-pool.ts';

const HIDDEN_FROM_CONNECT = new Set(['connection', 'upgrade']);

/**
 * A client's handshake, read once the app asks for it: the header maps are built
 * only for the consumer that needs them (the authorizer's `full`, `$connect`'s
 * `forConnect`), so a gateway without an authorizer or `$connect` route builds
 * none. Kept only while the handshake runs.
 */
export class ClientHandshake {
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly #request: IncomingMessage;
  readonly #secure: boolean;
  readonly #port: number;
  /** The same in both header maps. */
  #traceId: string | undefined = undefined;
  #full: HandshakeFacts | undefined = undefined;
  #forConnect: HandshakeFacts | undefined = undefined;

  /** `port`: the listener's, the port the client connected to (asking the socket costs a syscall and a cached object). */
  constructor(request: IncomingMessage, secure: boolean, port: number) {
    this.#request = request;
    this.#secure = secure;
    this.#port = port;
    this.sourceIp = normaliseIp(request.socket.remoteAddress);
    this.userAgent = request.headers['user-agent'] ?? '';
  }

  /** As the authorizer sees it: every header. */
  get full(): HandshakeFacts {
    this.#full ??= this.#headerMaps(false, parseQuery(this.#request.url ?? ''));
    return this.#full;
  }

  /** As `$connect` sees it: without `Connection` and `Upgrade` (checklist 14). */
  get forConnect(): HandshakeFacts {
    this.#forConnect ??= this.#headerMaps(true, this.#full?.query ?? parseQuery(this.#request.url ?? ''));
    return this.#forConnect;
  }

  /**
   * The client's headers, in order, with API Gateway's own added (replacing any the
   * client sent), straight from the raw header list into both maps.
   */
  #headerMaps(forConnect: boolean, query: HandshakeFacts['query']): HandshakeFacts {
    const maps: HandshakeFacts = { headers: {}, multiValueHeaders: {}, query };
    const raw = this.#request.rawHeaders;
    let forwardedFor: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      const value = raw[i + 1] as string;
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-for' && forwardedFor === undefined) forwardedFor = value;
      if (REPLACED_BY_GATEWAY.has(lower) || (forConnect && HIDDEN_FROM_CONNECT.has(lower))) continue;
      addHeader(maps, name, value);
    }
    this.#traceId ??= traceId();
    addHeader(maps, 'X-Amzn-Trace-Id', this.#traceId);
    addHeader(maps, 'X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${this.sourceIp}` : this.sourceIp);
    addHeader(maps, 'X-Forwarded-Port', String(this.#port));
    addHeader(maps, 'X-Forwarded-Proto', this.#secure ? 'https' : 'http');
    return maps;
  }
}

/** The headers API Gateway sets itself (spec 1.1); a client's own are dropped. */
const REPLACED_BY_GATEWAY = new Set(['x-amzn-trace-id', 'x-forwarded-for', 'x-forwarded-port', 'x-forwarded-proto']);

/** The single-value map keeps the last value of a name, the multi-value map all of them (spec 1.2). */
function addHeader({ headers, multiValueHeaders }: HandshakeFacts, name: string, value: string): void {
  headers[name] = value;
  const values = multiValueHeaders[name];
  if (values) values.push(value);
  else multiValueHeaders[name] = [value];
}

/**
 * Spec 1.1: query parameters appear only when the URL had a query string; the
 * single-value map keeps the last value (spec 1.2).
 */
function parseQuery(url: string): HandshakeFacts['query'] {
  const mark = url.indexOf('?');
  if (mark === -1 || mark === url.length - 1) return undefined;
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(url.slice(mark + 1))) {
    single[key] = value;
    multi[key] = [...(multi[key] ?? []), value];
  }
  return { single, multi };
}

export function normaliseIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** `Root=1-<epoch seconds hex>-<96 random bits hex>`, the X-Ray trace id form. */
function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomText(12, 'hex')}`;
}

/** Refuses a handshake with an HTTP status and a JSON body, as API Gateway does. */
export function rejectHandshake(
  socket: Duplex,
  status: number,
  message = STATUS_CODES[status] ?? 'Error',
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed) return;
  // A 304 (which `$connect` may answer) has no body (RFC 9110 15.4.5).
  const body = status === 304 ? '' : JSON.stringify({ message });
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Node's HTTP server let go of the socket with the upgrade, its error listener too:
  // a client that resets before the answer is written must not end the process.
  if (socket.listenerCount('error') === 0) socket.on('error', ignore);
  // Destroyed once the answer is written: a client that never closes its side must
  // not keep the socket (nothing reads it any more, so its FIN would go unnoticed).
  const content = body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n${extra}${content}\r\n${body}`,
    () => socket.destroy(),
  );
}

/**
 * Header values that are safe to put on the 101: no hop-by-hop names, and values of
 * the characters RFC 9110 5.5 allows (tab, visible ASCII, space, obs-text): no CR/LF
 * that would split the answer, no NUL or other control a client refuses it for.
 */
export function safeResponseHeaders(headers: Record<string, string> | undefined): string[] {
  if (!headers) return [];
  const lines: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (['connection', 'upgrade', 'sec-websocket-accept', 'content-length', 'transfer-encoding'].includes(lower))
      continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || !/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) continue;
    lines.push(`${name}: ${value}`);
  }
  return lines;
}

/** A shared no-op listener for the errors of a socket being refused. */
function ignore(): void {}
