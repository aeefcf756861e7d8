/**
 * The chat's HTTP endpoints (docs/protocol.md, "HTTP endpoints"): accounts, which
 * a browser needs before it has a token, sessions (refresh, log out), search, and file uploads
 * (the endpoints under `/api/files/` that are not JSON posts are in file-routes.ts). Each is `POST` with a JSON
 * body checked against its draft-4 model (api/models.ts); every answer is JSON,
 * errors as `{"code", "message"}` with the code's status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Ajv04 from 'ajv-draft-04';
import {
  type ChangePasswordRequest,
  type CreateUploadRequest,
  HttpRoute,
  type SearchHttpRequest,
} from '../api/http.ts';
import { httpRequestModels } from '../api/models.ts';
import type { ChatLogger, ChatService, ClientInfo } from '../domain/chat-service.ts';
import { ChatError, toChatError } from '../domain/errors.ts';
import { bearerToken } from './bearer-token.ts';
import { TrustedProxies } from './client-address.ts';
import { createFileRoutes } from './file-routes.ts';
import { BodyError, readJsonBody } from './json-body.ts';
import { sendJson } from './send-json.ts';

export interface ApiRoutesOptions {
  service: ChatService;
  /** Proxies whose `X-Forwarded-For` names the client (per-address limits). @default none: the socket's peer is the client */
  trustedProxies?: TrustedProxies;
  /** Largest accepted request body. @default 16384 */
  maxBodyBytes?: number;
  /** @default console.warn */
  logger?: ChatLogger;
}

const ajv = new Ajv04.default({ strict: false });
const validators = new Map(Object.entries(httpRequestModels).map(([path, model]) => [path, ajv.compile(model)]));

/** Answers a request whose path starts with `/api/`. */
export function createApiRoutes(
  options: ApiRoutesOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const { service } = options;
  const proxies = options.trustedProxies ?? new TrustedProxies();
  const clientOf = (request: IncomingMessage): ClientInfo => ({
    address: proxies.clientAddress(request.socket?.remoteAddress, headerText(request.headers['x-forwarded-for'])),
  });
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  const logger = options.logger ?? { warn: (details, message) => console.warn(message, details) };

  const endpoints: Record<HttpRoute, (body: unknown, request: IncomingMessage) => Promise<[number, unknown]>> = {
    [HttpRoute.register]: async (body, request) => {
      const { username, password } = body as { username: string; password: string };
      return [201, await service.accounts.register(username, password, clientOf(request))];
    },
    [HttpRoute.logIn]: async (body, request) => {
      const { username, password } = body as { username: string; password: string };
      return [200, await service.accounts.logIn(username, password, clientOf(request))];
    },
    [HttpRoute.guest]: async (_body, request) => [201, await service.accounts.guest(clientOf(request))],
    [HttpRoute.refresh]: async (_body, request) => [200, await service.accounts.refresh(bearerToken(request))],
    [HttpRoute.logOut]: async (_body, request) => {
      await service.accounts.signOut(bearerToken(request));
      return [204, undefined];
    },
    [HttpRoute.password]: async (body, request) => [
      200,
      await service.accounts.changePassword(bearerToken(request), body as ChangePasswordRequest, clientOf(request)),
    ],
    [HttpRoute.search]: async (body, request) => {
      const { userId } = await service.accounts.authenticate(bearerToken(request));
      const { query, roomId, limit } = body as SearchHttpRequest;
      return [200, { query, results: await service.search.search(userId, query, { roomId, limit }) }];
    },
    [HttpRoute.files]: async (body, request) => {
      const { userId } = await service.accounts.authenticate(bearerToken(request));
      if (!service.files) throw new ChatError('FILES_NOT_ENABLED');
      return [201, await service.files.createUpload(userId, body as CreateUploadRequest)];
    },
  };
  const fileRoutes = createFileRoutes({ service, logger });

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    if (path.startsWith('/api/files/') && fileRoutes(request, response)) return;
    const endpoint = endpoints[path as HttpRoute];
    if (!endpoint) {
      sendJson(response, 404, { message: 'Not Found' });
      return;
    }
    if (request.method !== 'POST') {
      sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: 'POST' });
      return;
    }
    void (async () => {
      try {
        const body = await readJsonBody(request, maxBodyBytes);
        const validate = validators.get(path)!;
        if (!validate(body)) {
          throw new ChatError('BAD_REQUEST', ajv.errorsText(validate.errors, { dataVar: 'body' }));
        }
        const [status, result] = await endpoint(body, request);
        if (result === undefined) response.writeHead(status, { 'cache-control': 'no-store' }).end();
        else sendJson(response, status, result);
      } catch (error) {
        if (error instanceof BodyError) {
          // The rest of an oversized upload is not read: close instead of draining it.
          const headers: Record<string, string> = error.status === 413 ? { connection: 'close' } : {};
          sendJson(response, error.status, new ChatError('BAD_REQUEST', error.message), headers);
          return;
        }
        const failure = toChatError(error);
        if (failure.code === 'INTERNAL') logger.warn({ err: error, path }, 'chat: HTTP endpoint failed');
        sendJson(response, failure.status, failure, errorHeaders(failure));
      }
    })();
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function errorHeaders(error: ChatError): Record<string, string> {
  if (error.code === 'UNAUTHENTICATED') return { 'www-authenticate': 'Bearer' };
  if (error.retryAfterMs !== undefined) return { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) };
  return {};
}
