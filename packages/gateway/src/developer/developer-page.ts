/**
 * The developer page on the management listener (docs/gateway.md, "The developer
 * page"): live connections with their identity, routes with their counts, the
 * last events, and a console that posts a frame to a connection or disconnects it.
 *
 *   GET /developer                    the page (HTML; app.js and app.css beside it)
 *   GET /developer/api/state?after=N  connections, routes, and the events after N (JSON)
 *   POST /developer/api/connections/{id}    the body is the frame to send (@connections POST)
 *   DELETE /developer/api/connections/{id}  disconnects it (@connections DELETE)
 *
 * The gateway serves it only on a loopback management listener with `access:
 * loopback`: what it shows (identities, every connection id) is the management
 * plane's. Beyond that, a web page the developer visits must not reach it
 * through their browser: requests must name a loopback host (a DNS-rebinding
 * name does not), and the console's calls must carry a custom header (which a
 * cross-origin page cannot send without a CORS preflight, never answered here)
 * and, from a browser, this page's own origin. Everything shown is data, never
 * markup: the page writes it with `textContent` under a CSP without inline script.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Connection } from '../connection.ts';
import type { ManagementClient } from '../management/client.ts';
import { ManagementApiError } from '../management/errors.ts';
import { isLoopback, readBody } from '../management/http-request.ts';
import { sendJson } from '../server/public-router.ts';
import { type DeveloperActivity, MAX_TEXT_LENGTH } from './developer-activity.ts';
import { DEVELOPER_PAGE_CSS, DEVELOPER_PAGE_HTML, DEVELOPER_PAGE_SCRIPT } from './developer-assets.ts';

export interface DeveloperPageOptions {
  stage: string;
  activity: DeveloperActivity;
  /** This gateway's open connections (in a cluster, this node's). */
  connections: ReadonlyMap<string, Connection>;
  /** Where the console's posts go: the gateway's `@connections` client. */
  management: ManagementClient;
  /** The largest frame the console may send (API Gateway's 128 KB). */
  maxPayloadBytes: number;
}

/** A connection as the page lists it. Strings may come from clients. */
export interface ListedConnection {
  connectionId: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  principalId: string | undefined;
  /** The authorizer's context, without `principalId`. */
  context: Record<string, string>;
  channels: number;
}

export const DEVELOPER_PATH = '/developer';
/** The header the console's calls carry (a cross-origin page cannot send it without a preflight). */
export const DEVELOPER_CALL_HEADER = 'x-switchboard-developer';
/** Connections listed at most (the page says how many there are in all). */
const MAX_LISTED_CONNECTIONS = 500;
const MAX_CONTEXT_KEYS = 50;

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function isDeveloperPath(path: string): boolean {
  return path === DEVELOPER_PATH || path.startsWith(`${DEVELOPER_PATH}/`);
}

export function createDeveloperPage(
  options: DeveloperPageOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void serve(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, { message: `The developer page failed: ${String(error)}` });
      else response.destroy();
    });
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, options: DeveloperPageOptions): Promise<void> {
  const host = request.headers.host ?? '';
  if (!isLoopback(request.socket.remoteAddress) || !isLoopbackHostHeader(host)) {
    reply(response, 403, { message: 'Forbidden: the developer page answers loopback callers on a loopback host name' });
    return;
  }
  const [path = '', query = ''] = (request.url ?? '').split('?', 2);
  const method = request.method ?? 'GET';
  const asset = ASSETS.get(path);
  if (asset !== undefined) {
    if (method !== 'GET' && method !== 'HEAD') {
      reply(response, 405, { message: 'Method Not Allowed' });
      return;
    }
    response
      .writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': asset.type,
        ...(asset.type.startsWith('text/html') && { 'content-security-policy': PAGE_POLICY }),
      })
      .end(method === 'HEAD' ? undefined : asset.body);
    return;
  }
  if (path === `${DEVELOPER_PATH}/api/state`) {
    if (method !== 'GET') {
      reply(response, 405, { message: 'Method Not Allowed' });
      return;
    }
    const after = Number(new URLSearchParams(query).get('after') ?? 0);
    reply(response, 200, state(options, Number.isSafeInteger(after) && after >= 0 ? after : 0));
    return;
  }
  const connection = /^\/developer\/api\/connections\/([^/]+)$/.exec(path);
  if (connection?.[1] !== undefined) {
    await call(request, response, options, connection[1], host);
    return;
  }
  reply(response, 404, { message: 'Not Found' });
}

/** A console call: POST sends the body as a frame, DELETE disconnects. */
async function call(
  request: IncomingMessage,
  response: ServerResponse,
  { management, maxPayloadBytes }: DeveloperPageOptions,
  rawId: string,
  host: string,
): Promise<void> {
  const origin = request.headers.origin;
  const sameOrigin = origin === undefined || origin === `http://${host}` || origin === `https://${host}`;
  if (request.headers[DEVELOPER_CALL_HEADER] !== '1' || !sameOrigin) {
    request.resume();
    reply(response, 403, {
      message: `Forbidden: console calls come from the developer page (${DEVELOPER_CALL_HEADER})`,
    });
    return;
  }
  let connectionId: string;
  try {
    connectionId = decodeURIComponent(rawId);
  } catch {
    request.resume();
    reply(response, 400, { message: 'Invalid connectionId' });
    return;
  }
  try {
    if (request.method === 'POST') {
      const data = await readBody(request, maxPayloadBytes);
      await management.postToConnection({ ConnectionId: connectionId, Data: data.toString('utf8') });
      reply(response, 200, { message: `Sent ${data.length} bytes` });
    } else if (request.method === 'DELETE') {
      request.resume();
      await management.deleteConnection({ ConnectionId: connectionId });
      reply(response, 200, { message: 'Disconnected' });
    } else {
      request.resume();
      reply(response, 405, { message: 'Method Not Allowed' });
    }
  } catch (error) {
    if (!(error instanceof ManagementApiError)) throw error;
    reply(response, error.statusCode, { message: error.message, type: error.name });
  }
}

function state({ stage, activity, connections }: DeveloperPageOptions, after: number) {
  const listed: ListedConnection[] = [];
  for (const connection of connections.values()) {
    if (listed.length === MAX_LISTED_CONNECTIONS) break;
    listed.push(listedConnection(connection));
  }
  return {
    stage,
    connectionCount: connections.size,
    connections: listed,
    routes: activity.routes(),
    lastSeq: activity.lastSeq,
    events: activity.eventsAfter(after),
  };
}

function listedConnection(connection: Connection): ListedConnection {
  const { connectionId, connectedAt, sourceIp, authorizer } = connection.facts;
  const context: Record<string, string> = {};
  for (const [key, value] of Object.entries(authorizer ?? {}).slice(0, MAX_CONTEXT_KEYS + 1)) {
    if (key !== 'principalId') context[key.slice(0, MAX_TEXT_LENGTH)] = value.slice(0, MAX_TEXT_LENGTH);
  }
  return {
    connectionId,
    connectedAt,
    lastActiveAt: connection.lastActiveAt,
    sourceIp,
    userAgent: connection.userAgent.slice(0, MAX_TEXT_LENGTH),
    principalId: authorizer?.principalId?.slice(0, MAX_TEXT_LENGTH),
    context,
    channels: connection.channelCount,
  };
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port: not a name a remote site could point here. */
function isLoopbackHostHeader(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':', 1)[0] ?? '');
  if (name === 'localhost' || name === '[::1]') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  sendJson(response, status, body, COMMON_HEADERS);
}

const ASSETS = new Map<string, { type: string; body: string }>([
  [DEVELOPER_PATH, { type: 'text/html; charset=utf-8', body: DEVELOPER_PAGE_HTML }],
  [`${DEVELOPER_PATH}/app.js`, { type: 'text/javascript; charset=utf-8', body: DEVELOPER_PAGE_SCRIPT }],
  [`${DEVELOPER_PATH}/app.css`, { type: 'text/css; charset=utf-8', body: DEVELOPER_PAGE_CSS }],
]);
