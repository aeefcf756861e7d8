/**
 * Plain HTTP requests on the public listener (everything but upgrades):
 *
 *   @connections, @channels, /metrics in any spelling ─▶ 403 (they live on the management listener)
 *   GET /{stage} ─▶ 426 Upgrade Required
 *   anything else ─▶ the app's `requestHandler`, or 404
 *
 * The management plane is not reachable from here: this router has no route to
 * it, whatever the path says (DESIGN, "Non-negotiables").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStagePath } from './handshake-pipeline.ts';
import { isManagementPlanePath } from './management-paths.ts';

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface PublicRouterOptions {
  stage: string;
  /** The app's own pages and APIs on the same origin. */
  requestHandler: RequestListener | undefined;
}

/** What the public listener answers for a management path: the SDK reads it as `ForbiddenException`. */
export const MANAGEMENT_NOT_PUBLIC =
  'Forbidden: @connections, @channels and /metrics are served on the management listener only';

export function createPublicRouter({ stage, requestHandler }: PublicRouterOptions): RequestListener {
  return (request, response) => {
    const target = request.url ?? '/';
    if (isManagementPlanePath(target)) {
      sendJson(response, 403, { message: MANAGEMENT_NOT_PUBLIC }, { 'x-amzn-ErrorType': 'ForbiddenException' });
      return;
    }
    if (isStagePath(target.split('?', 1)[0] ?? '/', stage)) {
      // Checklist 1: a plain request to the WebSocket URL asks for an upgrade.
      sendJson(response, 426, { message: 'Upgrade Required' }, { Upgrade: 'websocket', Connection: 'Upgrade' });
    } else if (requestHandler) {
      requestHandler(request, response);
    } else {
      sendJson(response, 404, { message: 'Not Found' });
    }
  };
}

/** A JSON answer that no browser sniffs as something else (it may hold text a client sent). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, { ...headers, 'content-type': 'application/json', 'x-content-type-options': 'nosniff' })
    .end(text);
}
