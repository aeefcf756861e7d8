/**
 * Serves the built web client (`packages/web/dist`): files by path with their
 * content type, `index.html` for client-side routes (paths without a file
 * extension), never a file outside the root. When the client is not built the
 * server still answers, with a page that says how to build it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/**
 * What the page may load: its own scripts, styles and images (plus inline
 * styles and `data:` images, which the client's avatars use) and its own API and
 * WebSocket; nothing from elsewhere, no plugins, no framing. Files kept on S3 are
 * uploaded to and shown from the bucket's origin (`fileOrigins`), so that origin
 * may be connected to and its images shown.
 */
function contentSecurityPolicy(fileOrigins: readonly string[]): string {
  const files = fileOrigins.map((origin) => ` ${origin}`).join('');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${files}`,
    "font-src 'self' data:",
    `connect-src 'self' ws: wss:${files}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface StaticFilesOptions {
  /** Origins the pages upload files to and show images from, besides their own (an S3 bucket's). @default [] */
  fileOrigins?: readonly string[];
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard chat</title></head>
<body><h1>The web client is not built</h1>
<p>The chat server is running and its API is available, but there is no built web client to serve.
Build it with <code>npm run build --workspace @switchboard/web</code> (or start with <code>npm start</code>, which builds it first) and reload this page.</p>
</body></html>
`;

/** Answers GET and HEAD requests from `root`. */
export function createStaticFiles(
  root: string,
  options: StaticFilesOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const files = new StaticFiles(resolve(root), contentSecurityPolicy(options.fileOrigins ?? []));
  return (request, response) => files.answer(request, response);
}

class StaticFiles {
  readonly #base: string;
  readonly #policy: string;

  constructor(base: string, policy: string) {
    this.#base = base;
    this.#policy = policy;
  }

  answer(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      this.#sendText(response, request, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
      return;
    }
    void this.#serve(request, response).catch(() => {
      if (!response.headersSent) this.#sendText(response, request, 500, 'Internal Server Error');
      else response.destroy();
    });
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const base = this.#base;
    let path: string;
    try {
      path = decodeURIComponent((request.url ?? '/').split('?', 1)[0]!);
    } catch {
      this.#sendText(response, request, 400, 'Bad Request');
      return;
    }
    // Resolved against the root and checked to stay inside it: `..`, encoded or not, cannot escape.
    const file = resolve(base, `.${path}`);
    if (path.includes('\0') || (file !== base && !file.startsWith(base + sep))) {
      this.#sendText(response, request, 404, 'Not Found');
      return;
    }
    let target = file;
    let size = await fileSize(target);
    if (size === undefined) {
      target = join(file, 'index.html');
      size = await fileSize(target);
    }
    if (size !== undefined) {
      this.#sendFile(response, request, target, size, path.startsWith('/assets/'));
      return;
    }
    // A client-side route (no extension) gets the app; a missing asset is a 404, not HTML posing as a script.
    if (extname(path) === '') {
      const index = join(base, 'index.html');
      const size = await fileSize(index);
      if (size !== undefined) this.#sendFile(response, request, index, size, false);
      else this.#sendText(response, request, 200, NOT_BUILT_PAGE, {}, 'text/html; charset=utf-8');
      return;
    }
    this.#sendText(response, request, 404, 'Not Found');
  }

  #sendFile(response: ServerResponse, request: IncomingMessage, file: string, size: number, immutable: boolean): void {
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    response.writeHead(200, {
      ...this.#securityHeaders(type),
      'content-type': type,
      'content-length': size,
      // Vite puts content hashes in asset names; everything else must be revalidated.
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
  }

  #sendText(
    response: ServerResponse,
    request: IncomingMessage,
    status: number,
    text: string,
    headers: Record<string, string> = {},
    type = 'text/plain; charset=utf-8',
  ): void {
    response.writeHead(status, {
      ...headers,
      ...this.#securityHeaders(type),
      'content-type': type,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-cache',
    });
    response.end(request.method === 'HEAD' ? undefined : text);
  }

  #securityHeaders(type: string): Record<string, string> {
    const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = this.#policy;
      headers['referrer-policy'] = 'no-referrer';
    }
    return headers;
  }
}

/** The size of a regular file, or undefined. */
async function fileSize(file: string): Promise<number | undefined> {
  try {
    const info = await stat(file);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}
