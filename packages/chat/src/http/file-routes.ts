/**
 * The file endpoints that are not a JSON `POST` (docs/protocol.md, "Files"):
 *
 *   PUT /api/files/uploads/<roomId>/<fileId>?type&size&expires&signature   the bytes of an upload the chat stores
 *   GET /api/files/<messageId>/<fileId>                    a short-lived link to an attached file (JSON)
 *   GET /api/files/<messageId>/<fileId>/content?expires&signature   the file, behind a link the chat signed
 *
 * The first two take the session token (`Authorization: Bearer`); the third is
 * what an `<img src>` loads, so its link carries a signature instead, valid for
 * minutes and checked again against the message (deleted: gone).
 *
 * Served files can never run as a page of this origin: `X-Content-Type-Options:
 * nosniff`, a sandboxing `Content-Security-Policy`, images inline only when they
 * are one of the checked raster types (never SVG), everything else
 * `Content-Disposition: attachment`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ChatService } from '../domain/chat-service.ts';
import { ChatError, toChatError } from '../domain/errors.ts';
import type { ChatLogger } from '../domain/use-cases/context.ts';
import { servingOf } from '../domain/use-cases/files.ts';
import { bearerToken } from './bearer-token.ts';
import { contentDisposition } from './content-disposition.ts';
import { sendJson } from './send-json.ts';

const uploadRoute = /^\/api\/files\/uploads\/([^/]+)\/([^/]+)$/;
const linkRoute = /^\/api\/files\/([^/]+)\/([^/]+)$/;
const contentRoute = /^\/api\/files\/([^/]+)\/([^/]+)\/content$/;

/** Answers a request under `/api/files/`; `false` when the path is none of these endpoints. */
export function createFileRoutes(options: {
  service: ChatService;
  logger: ChatLogger;
}): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { service, logger } = options;

  const fail = (response: ServerResponse, error: unknown, path: string): void => {
    const failure = toChatError(error);
    if (failure.code === 'INTERNAL') logger.warn({ err: error, path }, 'chat: file endpoint failed');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const headers: Record<string, string> = failure.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {};
    // A refused upload is not read to its end: close instead of draining it.
    if (['FILE_TOO_LARGE', 'FILE_TYPE_NOT_ALLOWED', 'STORAGE_FULL'].includes(failure.code))
      headers.connection = 'close';
    sendJson(response, failure.status, failure, headers);
  };

  const upload = async (request: IncomingMessage, response: ServerResponse, roomId: string, fileId: string) => {
    const files = requireFiles(service);
    const { userId } = await service.accounts.authenticate(bearerToken(request));
    if (Number(request.headers['content-length']) > files.limits.maxBytes) {
      throw new ChatError('FILE_TOO_LARGE', `Files are at most ${files.limits.maxBytes} bytes.`);
    }
    // The signed URL names the size and type allowed; receiveUpload holds the bytes to them.
    const declaredType = request.headers['content-type'] ?? '';
    const query = new URL(request.url ?? '/', 'http://chat').searchParams;
    const grant = {
      type: query.get('type') ?? '',
      size: Number(query.get('size')),
      expiresAt: Number(query.get('expires')),
      signature: query.get('signature') ?? '',
    };
    await files.receiveUpload(userId, { roomId, fileId, declaredType, grant }, request);
    response.writeHead(204, { 'cache-control': 'no-store' }).end();
  };

  const link = async (request: IncomingMessage, response: ServerResponse, messageId: string, fileId: string) => {
    const files = requireFiles(service);
    const { userId } = await service.accounts.authenticate(bearerToken(request));
    sendJson(response, 200, await files.link(userId, messageId, fileId));
  };

  const content = async (request: IncomingMessage, response: ServerResponse, messageId: string, fileId: string) => {
    const files = requireFiles(service);
    const query = new URL(request.url ?? '/', 'http://chat').searchParams;
    const served = await files.open(messageId, fileId, Number(query.get('expires')), query.get('signature') ?? '');
    const serving = servingOf(served.attachment);
    response.writeHead(200, {
      'content-type': serving.type,
      'content-length': served.size,
      'content-disposition': contentDisposition(serving.attachment, serving.name),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
      // The link expires; the browser may keep the bytes no longer than it.
      'cache-control': 'private, max-age=300',
    });
    if (request.method === 'HEAD') {
      served.body.destroy();
      response.end();
      return;
    }
    await pipeline(served.body, response);
  };

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const method = request.method ?? 'GET';
    const routes: Array<[RegExp, string[], typeof link]> = [
      [uploadRoute, ['PUT'], upload],
      [contentRoute, ['GET', 'HEAD'], content],
      [linkRoute, ['GET'], link],
    ];
    for (const [pattern, methods, endpoint] of routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (!methods.includes(method)) {
        sendJson(response, 405, { message: 'Method Not Allowed' }, { allow: methods.join(', ') });
        return true;
      }
      (async () => {
        // Inside the promise: a malformed escape answers 400 like any other bad request.
        const [first, second] = [decodeURIComponent(match[1]!), decodeURIComponent(match[2]!)];
        await endpoint(request, response, first, second);
      })().catch((error: unknown) =>
        fail(response, error instanceof URIError ? new ChatError('BAD_REQUEST', 'Malformed path.') : error, path),
      );
      return true;
    }
    return false;
  };
}

function requireFiles(service: ChatService): NonNullable<ChatService['files']> {
  if (!service.files) throw new ChatError('FILES_NOT_ENABLED');
  return service.files;
}
