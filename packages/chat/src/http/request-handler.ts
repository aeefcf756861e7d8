/**
 * Everything the chat serves over plain HTTP on the gateway's public port (the
 * gateway keeps the WebSocket stage, and refuses management paths there: they live
 * on its management listener): `/api/*` endpoints, and the web client for every
 * other path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiRoutesOptions, createApiRoutes } from './api-routes.ts';
import { createStaticFiles } from './static-files.ts';

export interface ChatRequestHandlerOptions extends ApiRoutesOptions {
  /** Directory of the built web client. */
  webRoot: string;
  /** Origins the client's pages reach for files besides the chat's own (static-files.ts). @default [] */
  fileOrigins?: readonly string[];
}

export function createChatRequestHandler(
  options: ChatRequestHandlerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const api = createApiRoutes(options);
  const files = createStaticFiles(options.webRoot, { fileOrigins: options.fileOrigins ?? [] });
  return (request, response) => {
    const url = request.url ?? '/';
    if (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) api(request, response);
    else files(request, response);
  };
}
