/**
 * The `@connections` HTTP API with API Gateway's wire format (spec 3): POST, GET
 * and DELETE at `/{stage}/@connections/{id}` and `/@connections/{id}`, `@` literal
 * or `%40`, ids percent-decoded; errors as `x-amzn-ErrorType` plus a JSON body, and
 * `x-amzn-RequestId` on every response, so the real AWS SDK client parses them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManagementClient } from './client.ts';
import { decodePathSegment, type ManagementAccessOptions, serveManagementRequest } from './http-request.ts';

export interface ManagementHttpApiOptions extends ManagementAccessOptions {
  onRequest?: (operation: ManagementOperation, status: number) => void;
}

export type ManagementOperation = 'PostToConnection' | 'GetConnection' | 'DeleteConnection' | 'Unknown';

const MANAGEMENT_PATH = /^(?:\/([^/]+))?\/(?:@|%40)connections\/([^/]+)\/?$/i;

/** Whether a request path addresses the management API (so the caller routes it here). */
export function isManagementPath(path: string): boolean {
  return MANAGEMENT_PATH.test(path);
}

/** Serves the API with `management`: the node's own client, or the cluster's (same answers). */
export function createManagementHttpApi(
  management: ManagementClient,
  options: ManagementHttpApiOptions,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const operation = operationOf(request.method);
    const [, stage, rawId = ''] = MANAGEMENT_PATH.exec((request.url ?? '').split('?', 1)[0] ?? '') ?? [];
    const status = await serveManagementRequest(
      request,
      response,
      options,
      { stage, known: operation !== 'Unknown' },
      async (body) => {
        const ConnectionId = decodePathSegment(rawId);
        if (operation === 'PostToConnection') {
          await management.postToConnection({ ConnectionId, Data: body });
          return { status: 200 };
        }
        if (operation === 'GetConnection') {
          const described = await management.getConnection({ ConnectionId });
          // Spec 3.1: lowercase jsonName keys and ISO 8601 timestamps, or the SDK reads nothing.
          return {
            status: 200,
            body: {
              connectedAt: described.ConnectedAt.toISOString(),
              identity: { sourceIp: described.Identity.SourceIp, userAgent: described.Identity.UserAgent },
              lastActiveAt: described.LastActiveAt.toISOString(),
            },
          };
        }
        await management.deleteConnection({ ConnectionId });
        return { status: 204 };
      },
    );
    options.onRequest?.(operation, status);
  };
}

function operationOf(method: string | undefined): ManagementOperation {
  if (method === 'POST') return 'PostToConnection';
  if (method === 'GET') return 'GetConnection';
  if (method === 'DELETE') return 'DeleteConnection';
  return 'Unknown';
}
