/**
 * Reading a JSON request body with a size limit: the limit is checked against
 * `Content-Length` before reading and against the bytes as they arrive (a
 * chunked upload has no length), so an oversized body is refused without being
 * buffered.
 */
import type { IncomingMessage } from 'node:http';
import { holdsIllFormedString, ILL_FORMED_STRING } from '../api/well-formed.ts';

/** Why a body was refused (too large, not JSON, cut short); `status` is the HTTP answer (413, 415 or 400). */
export class BodyError extends Error {
  readonly status: 400 | 413 | 415;

  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}

/** Resolves with the parsed body; rejects with `BodyError`. */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  // Requiring JSON also makes a cross-site form post (no CORS preflight) fail here.
  if (type !== 'application/json') throw new BodyError(415, 'Send the body as Content-Type: application/json.');
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes) throw new BodyError(413, `The body is larger than ${maxBytes} bytes.`);
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      // Stop buffering but keep the socket: the answer still has to go out on it.
      request.off('data', onData).off('end', onEnd).resume();
      reject(new BodyError(413, `The body is larger than ${maxBytes} bytes.`));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    // The client closed the connection before the body ended: its fault, not the server's.
    const onError = (error: Error): void => reject(new BodyError(400, `The body was cut short (${error.message}).`));
    request.on('data', onData).on('end', onEnd).once('error', onError);
  });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyError(400, 'The body is not valid JSON.');
  }
  if (holdsIllFormedString(text, body)) throw new BodyError(400, ILL_FORMED_STRING);
  return body;
}
