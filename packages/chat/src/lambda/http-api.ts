/**
 * The chat's HTTP endpoints (`/api/register`, `/api/login`, `/api/guest`,
 * `/api/search`, and `/api/files` with the presigned file links) on AWS Lambda behind an API Gateway HTTP API (payload format
 * 2.0): the self-hosted server's endpoints (http/api-routes.ts) run unchanged
 * through node-http-adapter.ts. `/api/search` searches with the deployment's
 * search engine (runtime/search-store.ts), which the search indexer function
 * keeps from the table's stream.
 *
 * Registering and guests join `general`, which its members hear about over the
 * WebSocket API, and a password change closes the account's connections: its
 * `@connections` endpoint comes from `CONNECTIONS_URL`.
 */
import type { ChatHandlerDependencies } from '../handlers/handler-types.ts';
import { createApiRoutes } from '../http/api-routes.ts';
import { connectionsUrlFromEnvironment } from './chat-runtime.ts';
import type { HttpApiEvent, HttpApiResult } from './lambda-events.ts';
import { withDependencies } from './lambda-handler.ts';
import { runRequestListener } from './node-http-adapter.ts';
import { connectionPoster } from './runtime/connection-posts.ts';
import { s3Files } from './runtime/file-store.ts';
import { searchStore } from './runtime/search-store.ts';
import { tokenService } from './runtime/token-keys.ts';

function httpApiHandler(deps: ChatHandlerDependencies): (event: HttpApiEvent) => Promise<HttpApiResult> {
  const routes = createApiRoutes(deps);
  return async (event) => {
    const { statusCode, headers, body } = await runRequestListener(routes, {
      method: event.requestContext.http.method,
      url: event.rawQueryString ? `${event.rawPath}?${event.rawQueryString}` : event.rawPath,
      headers: event.headers ?? {},
      body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
      // API Gateway is the edge: its sourceIp is the client (per-address limits need no trusted proxy here).
      remoteAddress: event.requestContext.http.sourceIp,
    });
    return { statusCode, headers, body, isBase64Encoded: false };
  };
}

export const handler = withDependencies(httpApiHandler, connectionsUrlFromEnvironment, {
  store: searchStore,
  poster: connectionPoster,
  tokens: tokenService,
  files: s3Files,
});
