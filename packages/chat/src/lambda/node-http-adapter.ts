/**
 * Runs a `node:http` request listener on one buffered request and collects its
 * answer: how the chat's HTTP endpoints (http/api-routes.ts), written for the
 * self-hosted server, answer API Gateway HTTP API events on Lambda unchanged.
 *
 * The request is a readable stream carrying `method`, `url`, `headers` and
 * `socket.remoteAddress`; the
 * response records `writeHead` and `end`. That is the surface the chat's
 * endpoints use (json-body.ts reads the stream, send-json.ts writes one
 * `writeHead(...).end(text)`); a listener that needs more (sockets, trailers,
 * streaming writes) does not belong behind this adapter.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

export interface BufferedRequest {
  method: string;
  /** Path and query, as `IncomingMessage.url`. */
  url: string;
  /** Lower-case names. */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The client's address, as `request.socket.remoteAddress` (API Gateway's `sourceIp`). */
  remoteAddress: string;
}

export interface BufferedResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Resolves with what the listener wrote once it calls `end`. */
export function runRequestListener(listener: RequestListener, request: BufferedRequest): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const incoming = Object.assign(Readable.from(request.body.length > 0 ? [request.body] : []), {
      method: request.method,
      url: request.url,
      headers: request.headers,
      socket: { remoteAddress: request.remoteAddress },
    });
    const answer: BufferedResponse = { statusCode: 200, headers: {}, body: '' };
    const response = {
      writeHead(statusCode: number, headers: Record<string, string | number> = {}) {
        answer.statusCode = statusCode;
        for (const [name, value] of Object.entries(headers)) answer.headers[name.toLowerCase()] = String(value);
        return response;
      },
      end(body: string | Buffer = '') {
        answer.body = body.toString();
        resolve(answer);
        return response;
      },
    };
    try {
      listener(incoming as unknown as IncomingMessage, response as unknown as ServerResponse);
    } catch (error) {
      reject(error);
    }
  });
}
