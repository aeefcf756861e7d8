/**
 * The real chat (scenarios 6, 8, 9 and 10): `startChatServer` with its SQLite
 * store in a temporary directory (or in `BENCH_CHAT_DATA_DIR`, kept on exit, so
 * a restarted server is the same chat), on `BENCH_CHAT_PORT` or a free port, in
 * a process of its own on the server core, serving the web client from
 * `BENCH_CHAT_WEB_ROOT` when set. With `BENCH_CHAT_DATABASE_URL` (and
 * `BENCH_CHAT_SCHEMA`) the store is PostgreSQL, and with `BENCH_CHAT_REDIS_URL`
 * the server is node `BENCH_CHAT_NODE_ID` of a cluster (keys under
 * `BENCH_CHAT_KEY_PREFIX`, tokens signed with `BENCH_CHAT_TOKEN_SECRET`, shared
 * by its nodes). Answers `ready` with its WebSocket and HTTP addresses and exits
 * when the runner goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The package does not export the server entry yet; the bench runs it from source.
import { startChatServer } from '@switchboard/chat/server';

const givenDataDir = process.env.BENCH_CHAT_DATA_DIR;
const dataDir = givenDataDir ?? mkdtempSync(join(tmpdir(), 'sb-bench-chat-'));
const webRoot = process.env.BENCH_CHAT_WEB_ROOT;
const databaseUrl = process.env.BENCH_CHAT_DATABASE_URL;
const schema = process.env.BENCH_CHAT_SCHEMA;
const redisUrl = process.env.BENCH_CHAT_REDIS_URL;
const tokenSecret = process.env.BENCH_CHAT_TOKEN_SECRET;
// Every sender is a guest from 127.0.0.1 sending as fast as acks come back: the bench
// measures throughput, so the per-user and per-address rate limits are lifted.
const unlimited = { capacity: 1_000_000_000, refillMs: 1 };
const chat = await startChatServer({
  port: Number(process.env.BENCH_CHAT_PORT ?? 0),
  dataDir,
  logger: false,
  ...(webRoot ? { webRoot } : {}),
  ...(databaseUrl ? { database: { url: databaseUrl, ...(schema ? { schema } : {}), poolSize: 20 } } : {}),
  ...(tokenSecret ? { tokenSecret } : {}),
  ...(redisUrl
    ? {
        cluster: {
          redisUrl,
          nodeId: process.env.BENCH_CHAT_NODE_ID ?? 'a',
          keyPrefix: process.env.BENCH_CHAT_KEY_PREFIX ?? 'bench',
        },
      }
    : {}),
  rateLimits: {
    message: unlimited,
    typing: unlimited,
    guest: unlimited,
    register: unlimited,
    connectionsPerUser: 1_000_000,
  },
});
process.send?.({ type: 'ready', url: chat.url, webSocketUrl: chat.webSocketUrl });
process.on('disconnect', () => {
  void chat.close().finally(() => {
    if (givenDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
