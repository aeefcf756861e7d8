/**
 * The real chat (servers/chat.ts) in a process of its own on the server core,
 * for the scenarios that drive it as clients do: over HTTP for accounts and
 * over WebSocket (scenarios 6, 9 and 10), or from a browser (scenario 8).
 */
import { fileURLToPath } from 'node:url';
import { startReadyChild } from '../support/ready-child.ts';

const CHAT_ENTRY = fileURLToPath(new URL('./chat.ts', import.meta.url));

export interface ChatProcess {
  /** The HTTP base URL (accounts, the web client). */
  url: string;
  webSocketUrl: string;
  /** The server's pid (for its CPU and memory). */
  pid: number;
  stop(): Promise<void>;
}

export interface ChatProcessOptions {
  /** The built web client the server serves. @default the chat's default (packages/web/dist) */
  webRoot?: string;
  /**
   * The data directory (database and token secret), kept when the server stops,
   * so that a server started again on it is the same chat (scenario 10).
   * @default a temporary directory, removed when the server stops
   */
  dataDir?: string;
  /** @default a free port */
  port?: number;
  /** PostgreSQL instead of SQLite: the database and the schema (created when missing). */
  database?: { url: string; schema: string };
  /** Run as a node of a cluster over this Redis; its nodes share `tokenSecret` and `keyPrefix`. */
  cluster?: { redisUrl: string; nodeId: string; keyPrefix: string; tokenSecret: string };
  /** @default the server core */
  core?: number;
}

type ChatReady = { type: 'ready'; url: string; webSocketUrl: string };

export async function startChatProcess(options: ChatProcessOptions = {}): Promise<ChatProcess> {
  const env: Record<string, string> = {
    ...(options.webRoot !== undefined && { BENCH_CHAT_WEB_ROOT: options.webRoot }),
    ...(options.dataDir !== undefined && { BENCH_CHAT_DATA_DIR: options.dataDir }),
    ...(options.port !== undefined && { BENCH_CHAT_PORT: String(options.port) }),
    ...(options.database && {
      BENCH_CHAT_DATABASE_URL: options.database.url,
      BENCH_CHAT_SCHEMA: options.database.schema,
    }),
    ...(options.cluster && {
      BENCH_CHAT_REDIS_URL: options.cluster.redisUrl,
      BENCH_CHAT_NODE_ID: options.cluster.nodeId,
      BENCH_CHAT_KEY_PREFIX: options.cluster.keyPrefix,
      BENCH_CHAT_TOKEN_SECRET: options.cluster.tokenSecret,
    }),
  };
  const server = await startReadyChild<ChatReady>('chat server', CHAT_ENTRY, env, options.core);
  return { url: server.ready.url, webSocketUrl: server.ready.webSocketUrl, pid: server.pid, stop: server.stop };
}

/** Tries of a guest sign-in answered 503 (a store that timed out on a busy host) before the run gives up. */
const GUEST_ATTEMPTS = 3;

/** A new guest's token (a guest is a member of `#general`). */
export async function guestToken(baseUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${baseUrl}/api/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (response.ok) return ((await response.json()) as { token: string }).token;
    if (response.status !== 503 || attempt === GUEST_ATTEMPTS)
      throw new Error(`POST /api/guest answered ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

/** `count` guests' tokens, `concurrency` requests at a time. */
export async function guestTokens(baseUrl: string, count: number, concurrency = 32): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < count) {
    const batch = Math.min(concurrency, count - tokens.length);
    tokens.push(...(await Promise.all(Array.from({ length: batch }, () => guestToken(baseUrl)))));
  }
  return tokens;
}
