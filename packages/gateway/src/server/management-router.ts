/**
 * Plain HTTP requests on the management listener (loopback by default; docs/gateway.md,
 * "The management listener"):
 *
 *   /{stage}/@connections/{id} ─▶ management API      /{stage}/@channels/... ─▶ channels API
 *   GET /metrics ─▶ Prometheus text                     /developer... ─▶ the developer page, if on
 *   anything else ─▶ 404
 *
 * Upgrades are not served here: WebSocket clients use the public listener.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isChannelsPath } from '../channels/http-api.ts';
import { isDeveloperPath } from '../developer/developer-page.ts';
import { isManagementPath } from '../management/http-api.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { type RequestListener, sendJson } from './public-router.ts';

export interface ManagementRouterOptions {
  managementApi: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  channelsApi: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  metrics: GatewayMetrics;
  /** The developer page, when served (loopback with `access: loopback` only). */
  developerPage: RequestListener | undefined;
}

export function createManagementRouter({
  managementApi,
  channelsApi,
  metrics,
  developerPage,
}: ManagementRouterOptions): RequestListener {
  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (isManagementPath(path)) {
      void managementApi(request, response);
    } else if (isChannelsPath(path)) {
      void channelsApi(request, response);
    } else if (path === '/metrics' && request.method === 'GET') {
      void metrics
        .render()
        .then(({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body));
    } else if (developerPage && isDeveloperPath(path)) {
      developerPage(request, response);
    } else {
      sendJson(response, 404, { message: 'Not Found' });
    }
  };
}
