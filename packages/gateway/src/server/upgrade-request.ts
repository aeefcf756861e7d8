/**
 * Whether an upgrade request is a WebSocket handshake the gateway can complete
 * (RFC 6455 section 4.2.1), checked before the authorizer and `$connect` run: a
 * request `ws`'s `handleUpgrade` would refuse must never reach the app, or a
 * `$connect` would run for a connection that cannot open.
 *
 * The checks and statuses are `ws`'s own (its `handleUpgrade`), so what passes
 * here is what `ws` accepts. Node only emits `upgrade` for requests whose
 * `Connection` header names `upgrade`; the others reach the request router.
 */
import type { IncomingMessage } from 'node:http';

export interface UpgradeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** RFC 6455 4.1: the key is 16 random bytes, base64-encoded (24 characters ending in `==`). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** RFC 7230 3.2.6 `token`, the syntax of a subprotocol name (RFC 6455 4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The refusal for an upgrade request that is not a valid WebSocket handshake, or undefined for a valid one. */
export function checkUpgradeRequest(request: IncomingMessage): UpgradeRefusal | undefined {
  if (request.method !== 'GET') return { status: 405, message: 'Invalid HTTP method' };
  const upgrade = request.headers.upgrade;
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') {
    return { status: 400, message: 'Invalid Upgrade header' };
  }
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) {
    return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  }
  // `ws` speaks version 13 (RFC 6455) and 8 (the last draft); it names both when refusing.
  const version = Number(request.headers['sec-websocket-version']);
  if (version !== 13 && version !== 8) {
    return {
      status: 400,
      message: 'Missing or invalid Sec-WebSocket-Version header',
      headers: { 'Sec-WebSocket-Version': '13, 8' },
    };
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined && !isSubprotocolList(protocols)) {
    return { status: 400, message: 'Invalid Sec-WebSocket-Protocol header' };
  }
  return undefined;
}

/** A comma-separated list of distinct tokens, with optional spaces or tabs around the commas. */
function isSubprotocolList(value: string): boolean {
  const seen = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!TOKEN.test(name) || seen.has(name)) return false;
    seen.add(name);
  }
  return true;
}
