/**
 * One request from an integration to its backend (an HTTP endpoint, an AWS service)
 * over fetch: bounded in time (the integration's deadline) and in the size of the
 * answer it reads (`limits.maxIntegrationResponseBytes`).
 */
import { IntegrationTimeoutError } from './integration.ts';

/** Spec 4 leaves this to us: a 1 MiB answer is eight of the largest messages a client may get. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface BackendRequest {
  method: string;
  headers: Headers;
  body: string | Buffer | undefined;
  deadline: number;
  maxResponseBytes: number;
}

/**
 * One backend call, aborted at the deadline (the socket is released, not left to
 * finish); `what` names the integration in errors, e.g. `HTTP integration`.
 */
export async function sendBackendRequest(
  what: string,
  url: URL,
  request: BackendRequest,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const timeoutMs = request.deadline - Date.now();
  if (timeoutMs <= 0) throw new IntegrationTimeoutError(0);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: await readBounded(response, request.maxResponseBytes),
    };
  } catch (error) {
    if (signal.aborted) throw new IntegrationTimeoutError(timeoutMs);
    if (error instanceof ResponseTooLargeError) {
      throw new Error(`${what} ${request.method} ${url.origin}${url.pathname} failed: ${error.message}`, {
        cause: error,
      });
    }
    const reason = error instanceof Error ? describe(error) : String(error);
    throw new Error(`${what} ${request.method} ${url.origin}${url.pathname} failed: ${reason}`, {
      cause: error,
    });
  }
}

/**
 * The response body, refusing one over `limit` bytes as soon as it is
 * announced (`content-length`) or read that far: the rest is not downloaded.
 */
async function readBounded(response: Response, limit: number): Promise<Buffer> {
  const tooLarge = (): ResponseTooLargeError => new ResponseTooLargeError(limit);
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > limit) {
      // Leaving the loop early cancels the stream, which closes the backend's response.
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`the response body is over ${limit} bytes (limits.maxIntegrationResponseBytes)`);
    this.name = 'ResponseTooLargeError';
  }
}

/** fetch reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in `cause`. */
function describe(error: Error): string {
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
