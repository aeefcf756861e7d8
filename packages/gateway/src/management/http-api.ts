/**
 * The `@connections` HTTP API with API Gateway's wire format (spec 3): POST, GET
 * and DELETE at `/{stage}/@connections/{id}` and `/@connections/{id}`, `@` literal
 * or `%40`, ids percent-decoded; errors as `x-amzn-ErrorType` plus a JSON body, and
 * `x-amzn-RequestId` on every response, so the real AWS SDK client parses them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { ManagementApiError, ManagementErrorType } from './errors.ts';
import type { ConnectionOperations } from './operations.ts';
import { type Credentials, verifySigV4 } from './sigv4.ts';

export interface ManagementHttpApiOptions {
  stage: string;
  /** See `ManagementDefinition.access`. */
  access: 'loopback' | 'signed';
  credentials: Credentials | undefined;
  maxPayloadBytes: number;
  onRequest?: (operation: ManagementOperation, status: number) => void;
}

export type ManagementOperation = 'PostToConnection' | 'GetConnection' | 'DeleteConnection' | 'Unknown';

const MANAGEMENT_PATH = /^(?:\/([^/]+))?\/(?:@|%40)connections\/([^/]+)\/?$/i;

/** Whether a request path addresses the management API (so the caller routes it here). */
export function isManagementPath(path: string): boolean {
  return MANAGEMENT_PATH.test(path);
}

export function createManagementHttpApi(
  operations: ConnectionOperations,
  options: ManagementHttpApiOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const requestId = randomUUID();
    const operation = operationOf(request.method);
    let status = 500;
    try {
      const [rawPath = '', rawQuery = ''] = (request.url ?? '').split('?', 2);
      const [, stage, rawId = ''] = MANAGEMENT_PATH.exec(rawPath) ?? [];
      const body = await readBody(request, options.maxPayloadBytes);
      await authorize(request, rawPath, rawQuery, body, options);
      // Spec 3.3: a wrong stage in the endpoint is 403, as on AWS.
      if ((stage !== undefined && stage !== options.stage) || operation === 'Unknown') {
        throw new ManagementApiError(ManagementErrorType.forbidden);
      }
      const connectionId = decodeId(rawId);
      if (operation === 'PostToConnection') {
        operations.post(connectionId, body);
        status = 200;
        send(response, status, requestId);
      } else if (operation === 'GetConnection') {
        const described = operations.describe(connectionId);
        status = 200;
        // Spec 3.1: lowercase jsonName keys and ISO 8601 timestamps, or the SDK reads nothing.
        send(response, status, requestId, {
          connectedAt: described.ConnectedAt.toISOString(),
          identity: { sourceIp: described.Identity.SourceIp, userAgent: described.Identity.UserAgent },
          lastActiveAt: described.LastActiveAt.toISOString(),
        });
      } else {
        operations.delete(connectionId);
        status = 204;
        send(response, status, requestId);
      }
    } catch (error) {
      const apiError =
        error instanceof ManagementApiError
          ? error
          : new ManagementApiError(ManagementErrorType.badRequest, 'The request could not be processed');
      status = apiError.statusCode;
      send(response, status, requestId, { message: apiError.message }, apiError.name);
    } finally {
      options.onRequest?.(operation, status);
    }
  };
}

function operationOf(method: string | undefined): ManagementOperation {
  if (method === 'POST') return 'PostToConnection';
  if (method === 'GET') return 'GetConnection';
  if (method === 'DELETE') return 'DeleteConnection';
  return 'Unknown';
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ManagementApiError(ManagementErrorType.badRequest);
  }
}

async function authorize(
  request: IncomingMessage,
  rawPath: string,
  rawQuery: string,
  body: Buffer,
  options: ManagementHttpApiOptions,
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
  if (options.access === 'loopback' && isLoopback(request.socket.remoteAddress)) return;
  throw new ManagementApiError(
    ManagementErrorType.forbidden,
    options.access === 'signed'
      ? 'Missing Authentication Token: sign the request with SigV4'
      : 'The @connections API answers loopback callers, or SigV4-signed requests when credentials are configured',
  );
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Reads the body, answering 413 as soon as it grows past the limit (spec 3.3). */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
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
