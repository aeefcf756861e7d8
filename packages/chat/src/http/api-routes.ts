/**
 * The chat's HTTP endpoints (docs/protocol.md, "HTTP endpoints"): accounts, which
 * a browser needs before it has a token, and search. Each is `POST` with a JSON
 * body checked against its draft-4 model (api/models.ts); every answer is JSON,
 * errors as `{"code", "message"}` with the code's status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Ajv04 from 'ajv-draft-04';
import { HttpRoute, type SearchHttpRequest } from '../api/http.ts';
import { httpRequestModels } from '../api/models.ts';
import type { ChatLogger, ChatService } from '../domain/chat-service.ts';
import { ChatError, toChatError } from '../domain/errors.ts';
import { BodyError, readJsonBody } from './json-body.ts';
import { sendJson } from './send-json.ts';

export interface ApiRoutesOptions {
  service: ChatService;
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
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  const logger = options.logger ?? { warn: (details, message) => console.warn(message, details) };

  const endpoints: Record<HttpRoute, (body: unknown, request: IncomingMessage) => Promise<[number, unknown]>> = {
    [HttpRoute.register]: async (body) => {
      const { username, password } = body as { username: string; password: string };
      return [201, await service.register(username, password)];
    },
    [HttpRoute.logIn]: async (body) => {
      const { username, password } = body as { username: string; password: string };
      return [200, await service.logIn(username, password)];
    },
    [HttpRoute.guest]: async () => [201, await service.guest()],
    [HttpRoute.search]: async (body, request) => {
      const { userId } = await service.authenticate(bearerToken(request));
      const { query, roomId, limit } = body as SearchHttpRequest;
      return [200, { query, results: await service.search(userId, query, { roomId, limit }) }];
    },
  };

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0]!;
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
        sendJson(response, status, result);
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

function bearerToken(request: IncomingMessage): string {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new ChatError('UNAUTHENTICATED', 'Send the session token as Authorization: Bearer <token>.');
  return match[1]!;
}

function errorHeaders(error: ChatError): Record<string, string> {
  if (error.code === 'UNAUTHENTICATED') return { 'www-authenticate': 'Bearer' };
  if (error.retryAfterMs !== undefined) return { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) };
  return {};
}
