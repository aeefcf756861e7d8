/**
 * Files over HTTP (docs/protocol.md, "Files"): ask for an upload, send its bytes
 * with progress (`XMLHttpRequest`, since `fetch` reports no upload progress), and
 * get short-lived links to attached files. The URLs the server gives are
 * relative on the chat's own origin, or absolute (presigned S3 URLs on AWS).
 */
import type { ChatErrorBody, MessageId, NewUploadResponse, RoomId } from '@switchboard/chat/api';
import { HttpApiError } from '../http-api.ts';
import { serverConfig } from '../server-config.ts';

export interface FileLink {
  url: string;
  expiresAt: number;
}

/** A link is asked for again this long before it expires, so an image never loads from a dead one. */
const linkMarginMs = 30_000;

export class FileApi {
  readonly #token: () => string;
  readonly #links = new Map<string, Promise<FileLink>>();
  readonly #now: () => number;

  /** `token` is asked before every request: the session's token is renewed while the chat runs. */
  constructor(token: () => string, now: () => number = Date.now) {
    this.#token = token;
    this.#now = now;
  }

  /** Reserves an upload of `file` to the room. Errors: `HttpApiError` (FILE_TOO_LARGE, FILE_TYPE_NOT_ALLOWED, …). */
  async createUpload(roomId: RoomId, file: File): Promise<NewUploadResponse> {
    const response = await this.#fetch('/api/files', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ roomId, type: file.type || 'application/octet-stream', size: file.size }),
    });
    return (await response.json()) as NewUploadResponse;
  }

  /** Sends the bytes where `createUpload` said, reporting the fraction sent (0 to 1). */
  upload(
    target: NewUploadResponse['upload'],
    file: File,
    onProgress: (fraction: number) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const url = resolve(target.url);
    // Only the chat's own endpoint takes the token; a presigned URL must not get it.
    const ownEndpoint = new URL(url).origin === new URL(resolve('/')).origin;
    return new Promise((done, fail) => {
      const request = new XMLHttpRequest();
      request.open(target.method, url);
      for (const [name, value] of Object.entries(target.headers)) request.setRequestHeader(name, value);
      if (ownEndpoint) request.setRequestHeader('Authorization', `Bearer ${this.#token()}`);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) {
          onProgress(1);
          done();
          return;
        }
        fail(errorOf(request.status, parse(request.responseText)));
      };
      request.onerror = () => fail(new HttpApiError('NETWORK', 'The upload did not reach the server.', 0));
      request.onabort = () => fail(new DOMException('The upload was cancelled.', 'AbortError'));
      signal?.addEventListener('abort', () => request.abort(), { once: true });
      request.send(file);
    });
  }

  /** A link to a file on a message, cached until shortly before it expires. */
  link(messageId: MessageId, fileId: string): Promise<FileLink> {
    const key = `${messageId}/${fileId}`;
    const cached = this.#links.get(key);
    if (cached) return cached;
    const asked = this.#fetch(`/api/files/${encodeURIComponent(messageId)}/${encodeURIComponent(fileId)}`, {})
      .then((response) => response.json() as Promise<FileLink>)
      .then((link) => {
        const url = resolve(link.url);
        setTimeout(() => this.#links.delete(key), Math.max(0, link.expiresAt - this.#now() - linkMarginMs));
        return { url, expiresAt: link.expiresAt };
      });
    this.#links.set(key, asked);
    // A failure is not kept: the next render asks again.
    asked.catch(() => this.#links.delete(key));
    return asked;
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(resolve(path), {
        ...init,
        headers: { ...init.headers, Authorization: `Bearer ${this.#token()}` },
      });
    } catch {
      throw new HttpApiError('NETWORK', 'The chat server cannot be reached.', 0);
    }
    if (!response.ok) throw errorOf(response.status, await response.json().catch(() => null));
    return response;
  }
}

/** A URL from the server, absolute: relative ones are on the chat's HTTP origin. */
function resolve(url: string): string {
  return new URL(url, `${serverConfig().httpApiUrl ?? window.location.origin}/`).href;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function errorOf(status: number, body: unknown): HttpApiError {
  const error = body as Partial<ChatErrorBody> | null;
  // S3 answers in XML, not the chat's JSON: name the status.
  return new HttpApiError(error?.code ?? 'INTERNAL', error?.message ?? `The upload failed (HTTP ${status}).`, status);
}
