/**
 * What every management HTTP API of the gateway (`@connections`, and the
 * `@channels` extension) shares: the body limit, the access check, the stage
 * check and API Gateway's wire format for answers and errors (spec 3.2, 3.3):
 * `x-amzn-RequestId` on every response, `x-amzn-ErrorType` plus a JSON
 * `{"message": ...}` body on errors, so the AWS SDK parses them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { ManagementApiError, ManagementErrorType } from './errors.ts';
import { type Credentials, verifySigV4 } from './sigv4.ts';

export interface ManagementAccessOptions {
  stage: string;
  /** See `ManagementDefinition.access`. */
  access: 'loopback' | 'signed';
  credentials: Credentials | undefined;
  maxPayloadBytes: number;
}

/** A successful answer; `body` is sent as JSON, none means an empty body. */
export interface ManagementReply {
  status: number;
  body?: unknown;
}

/** The parts of a request path an API's pattern picked out. */
export interface ManagementTarget {
  /** The stage prefix of the path, if the caller gave one. */
  stage: string | undefined;
  /** False for a method the API does not serve (answered 403, as AWS answers unknown routes). */
  known: boolean;
}

/**
 * Answers one management request: reads the body (413 past the limit), checks
 * access (403), the stage (403, spec 3.3), then runs `handle` and writes its reply
 * or its `ManagementApiError`. Any other failure is a 400.
 * @returns the HTTP status sent, for metrics
 */
export async function serveManagementRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: ManagementAccessOptions,
  target: ManagementTarget,
  handle: (body: Buffer) => ManagementReply | Promise<ManagementReply>,
): Promise<number> {
  const requestId = randomUUID();
  try {
    const [rawPath = '', rawQuery = ''] = (request.url ?? '').split('?', 2);
    const body = await readBody(request, options.maxPayloadBytes);
    await authorize(request, rawPath, rawQuery, body, options);
    // Spec 3.3: a wrong stage in the endpoint is 403, as on AWS.
    if ((target.stage !== undefined && target.stage !== options.stage) || !target.known) {
      throw new ManagementApiError(ManagementErrorType.forbidden);
    }
    const reply = await handle(body);
    send(response, reply.status, requestId, reply.body);
    return reply.status;
  } catch (error) {
    const apiError =
      error instanceof ManagementApiError
        ? error
        : new ManagementApiError(ManagementErrorType.badRequest, 'The request could not be processed');
    send(response, apiError.statusCode, requestId, { message: apiError.message }, apiError.name);
    return apiError.statusCode;
  }
}

/** A percent-encoded path segment, decoded; a malformed one is a 400. */
export function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ManagementApiError(ManagementErrorType.badRequest);
  }
}

/**
 * Loopback callers, or SigV4 signatures with the configured credentials (spec 3.1:
 * API Gateway admits only IAM-authorised callers).
 */
async function authorize(
  request: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  options: ManagementAccessOptions,
): Promise<void> {
  const signedBy = options.credentials && request.headers.authorization !== undefined;
  if (signedBy && options.credentials) {
    const valid = await verifySigV4(
      { method: request.method ?? 'GET', rawPath, rawQuery, headers: request.headers, body },
      options.credentials,
    );
    if (valid) return;
    throw new ManagementApiError(ManagementErrorType.forbidden, 'The request signature does not match');
  }
  if (options.access === 'loopback' && isLoopback(request.socket.remoteAddress)) {
    if (!fromBrowser(request)) return;
    throw new ManagementApiError(
      ManagementErrorType.forbidden,
      'The @connections and @channels APIs do not answer browsers: any web page open on this machine could call them',
    );
  }
  throw new ManagementApiError(
    ManagementErrorType.forbidden,
    options.access === 'signed'
      ? 'Missing Authentication Token: sign the request with SigV4'
      : 'The @connections and @channels APIs answer loopback callers, or SigV4-signed requests when credentials are configured',
  );
}

/**
 * Whether a browser sent the request. Loopback is trusted as the machine's own
 * processes, but a browser on it runs any site's scripts: a cross-site form POST
 * needs no CORS preflight, and a DNS-rebound name makes even reads same-origin.
 * Browsers mark every such request with `Origin` (all POST and DELETE) or
 * `Sec-Fetch-Site` (all requests, in current browsers); SDKs and HTTP clients
 * send neither.
 */
function fromBrowser(request: IncomingMessage): boolean {
  return request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined;
}

/** Whether a peer address is loopback (IPv4 127.0.0.0/8, `::1`, or IPv4 mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Reads the body, answering 413 as soon as it grows past the limit (spec 3.3). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) {
    request.resume();
    return Promise.reject(new ManagementApiError(ManagementErrorType.payloadTooLarge));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new ManagementApiError(ManagementErrorType.payloadTooLarge));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, requestId: string, body?: unknown, errorType?: string): void {
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId };
  if (errorType) headers['x-amzn-ErrorType'] = errorType;
  if (body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  headers['content-type'] = 'application/json';
  response.writeHead(status, headers).end(text);
}
