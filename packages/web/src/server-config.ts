/**
 * Where the chat's servers are. The self-hosted chat serves the WebSocket API
 * (`/ws`) and the HTTP endpoints (`/api/*`) on the page's own origin; a
 * deployment that puts them elsewhere (AWS: API Gateway, with the page on
 * CloudFront) publishes `/config.json` beside `index.html`:
 *
 *   { "webSocketUrl": "wss://<api-id>.execute-api.<region>.amazonaws.com/ws",
 *     "httpApiUrl": "https://<api-id>.execute-api.<region>.amazonaws.com" }
 *
 * Read once at start-up; without the file (or with anything else in it) the
 * client uses its own origin.
 */

export interface ServerConfig {
  /** The WebSocket API, without the `?token=` query. @default `ws(s)://<page host>/ws` */
  webSocketUrl?: string;
  /** Prefix of the `/api/*` paths, without a trailing slash. @default '' (the page's origin) */
  httpApiUrl?: string;
}

let config: ServerConfig = {};

/** Loads `/config.json`; resolves with `{}` (same origin) when it is missing or not a config. */
export async function loadServerConfig(fetchConfig: typeof fetch = fetch): Promise<ServerConfig> {
  try {
    const response = await fetchConfig('/config.json', { cache: 'no-store' });
    const body: unknown = response.ok ? await response.json() : null;
    config = isServerConfig(body) ? body : {};
  } catch {
    config = {};
  }
  return config;
}

/** The configuration loaded by `loadServerConfig` (same origin before it ran). */
export function serverConfig(): ServerConfig {
  return config;
}

function isServerConfig(value: unknown): value is ServerConfig {
  if (!value || typeof value !== 'object') return false;
  const { webSocketUrl, httpApiUrl } = value as Record<string, unknown>;
  return (
    (webSocketUrl === undefined || typeof webSocketUrl === 'string') &&
    (httpApiUrl === undefined || typeof httpApiUrl === 'string')
  );
}
