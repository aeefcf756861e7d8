/**
 * How API Gateway presents a client's handshake to `$connect` and the authorizer
 * (spec 1.1, 1.2, 6): header names keep the client's case, `Connection` and
 * `Upgrade` are dropped for `$connect` but kept for the authorizer, and API
 * Gateway's own `X-Forwarded-*` and `X-Amzn-Trace-Id` headers are added.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HandshakeFacts } from '../events.ts';

export interface ClientHandshake {
  /** As the authorizer sees it: every header. */
  full: HandshakeFacts;
  /** As `$connect` sees it: without `Connection` and `Upgrade` (checklist 14). */
  forConnect: HandshakeFacts;
  sourceIp: string;
  userAgent: string;
}

const HIDDEN_FROM_CONNECT = new Set(['connection', 'upgrade']);

export function readClientHandshake(request: IncomingMessage, secure: boolean): ClientHandshake {
  const sourceIp = normaliseIp(request.socket.remoteAddress);
  const pairs: [string, string][] = [];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] as string, raw[i + 1] as string]);
  const forwardedFor = pairs.find(([name]) => name.toLowerCase() === 'x-forwarded-for')?.[1];
  const added: [string, string][] = [
    ['X-Amzn-Trace-Id', traceId()],
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp],
    ['X-Forwarded-Port', String(request.socket.localPort ?? '')],
    ['X-Forwarded-Proto', secure ? 'https' : 'http'],
  ];
  const replaced = new Set(added.map(([name]) => name.toLowerCase()));
  const all = [...pairs.filter(([name]) => !replaced.has(name.toLowerCase())), ...added];
  const query = parseQuery(request.url ?? '');
  return {
    full: headerMaps(all, query),
    forConnect: headerMaps(
      all.filter(([name]) => !HIDDEN_FROM_CONNECT.has(name.toLowerCase())),
      query,
    ),
    sourceIp,
    userAgent: String(request.headers['user-agent'] ?? ''),
  };
}

function headerMaps(pairs: [string, string][], query: HandshakeFacts['query']): HandshakeFacts {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders, query };
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
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** Refuses a handshake with an HTTP status and a JSON body, as API Gateway does. */
export function rejectHandshake(socket: Duplex, status: number, message = STATUS_CODES[status] ?? 'Error'): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Header values that are safe to put on the 101: no hop-by-hop names, no CR/LF. */
export function safeResponseHeaders(headers: Record<string, string> | undefined): string[] {
  if (!headers) return [];
  const lines: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (['connection', 'upgrade', 'sec-websocket-accept', 'content-length', 'transfer-encoding'].includes(lower))
      continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(value)) continue;
    lines.push(`${name}: ${value}`);
  }
  return lines;
}
