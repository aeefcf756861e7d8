/**
 * The chat in one process: a store (SQLite in the data directory by default,
 * or PostgreSQL), the chat service, the Lambda-style handlers on the Switchboard
 * gateway (WebSocket API at `/ws`), and the HTTP endpoints plus the web client
 * on the same port.
 *
 *   browser ──HTTP /api/*, /*──▶ request handler (accounts, search, web client; /healthz, /readyz)
 *   browser ──ws /ws?token=───▶ gateway ─▶ authorizer, $connect, actions ─▶ ChatService ─▶ SQLite | PostgreSQL
 *   ChatService ─▶ ChannelBroadcaster ─▶ gateway.channels (a channel per room, one frame per publish) ─▶ browsers
 *
 * With `cluster`, this process is one node of many: the gateway's channels and
 * `@connections` reach every node over Redis, every node shares one PostgreSQL
 * database, and presence is the database's connection records (a dead node's
 * connections get `$disconnect` from a surviving node, which removes them).
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterOptions, createGateway, type Gateway } from '@switchboard/gateway';
import pino, { type Logger } from 'pino';
import { resolveTokenSecret } from './accounts/secret.ts';
import { TokenService } from './accounts/tokens.ts';
import { chatApiDefinition } from './api/definition.ts';
import { ChannelBroadcaster } from './broadcast/channel-broadcaster.ts';
import { managementPoster } from './broadcast/connection-poster.ts';
import { redactUrl } from './config.ts';
import { type ChatLogger, ChatService } from './domain/chat-service.ts';
import { createChatHandlers } from './handlers/index.ts';
import { checkReadiness, type Readiness, type ReadinessCheck, withHealthEndpoints } from './http/health.ts';
import { createChatRequestHandler } from './http/request-handler.ts';
import { InFlight } from './lifecycle/in-flight.ts';
import { sweepStaleConnections } from './lifecycle/stale-connections.ts';
import type { ChatStore } from './ports/chat-store.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';
import { PostgresChatStore } from './store/postgres/postgres-chat-store.ts';
import { DATABASE_FILE, DEFAULT_DATA_DIR, SqliteChatStore } from './store/sqlite/sqlite-chat-store.ts';

export interface ChatServerOptions {
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where the database (`chat.db`) and the generated token secret live. @default './data' */
  dataDir?: string;
  /** A token secret of at least 32 characters. @default generated on first start and kept in the data directory */
  tokenSecret?: string;
  /** The built web client. @default packages/web/dist */
  webRoot?: string;
  /** `false` logs nothing. @default a pino logger at level `info` */
  logger?: false;
  /**
   * Keep everything in PostgreSQL instead of SQLite (then `dataDir` only holds a
   * generated token secret, and not even that when `tokenSecret` is given).
   * @default SQLite in `dataDir`
   */
  database?: ChatDatabaseOptions;
  /**
   * Run as one node of a cluster: passed to the gateway as its `cluster` option.
   * Needs `database` (nodes share it) and `tokenSecret` (a token issued by one
   * node must verify on every other).
   * @default one node on its own
   */
  cluster?: ChatClusterOptions;
  /** On close, how long running handlers may take to finish before the store closes. @default 10000 */
  drainTimeoutMs?: number;
  /** In a cluster, how often a node removes connection records that no node holds (lifecycle/stale-connections.ts). @default 300000 */
  staleConnectionSweepMs?: number;
}

export interface ChatDatabaseOptions {
  /** @example 'postgres://chat:secret@db.internal:5432/chat' */
  url: string;
  /** Schema for the chat's tables, created when missing. @default the server's `search_path` (usually `public`) */
  schema?: string;
  /** @default 10 */
  poolSize?: number;
  /** How long a query waits for a connection before it fails with `STORE_UNAVAILABLE`. @default 5000 */
  connectionTimeoutMs?: number;
}

/** The gateway's cluster settings (Redis URL, node id, heartbeat, key prefix). */
export type ChatClusterOptions = ClusterOptions;

export interface ChatServer {
  /** `http://host:port`: the web client and the HTTP endpoints. */
  url: string;
  /** `ws://host:port/ws`: add `?token=<token>`. */
  webSocketUrl: string;
  /** What `GET /readyz` answers: whether the store (and, in a cluster, Redis) answer. */
  readiness(): Promise<Readiness>;
  /**
   * Graceful shutdown: stops accepting, closes every connection with 1001 (so
   * clients reconnect, to another node in a cluster), waits for their
   * `$disconnect` and for running handlers, then closes the store.
   */
  close(): Promise<void>;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Starts the chat. Rejects with `ChatServerError` when the port is taken or the
 * data directory is unusable.
 *
 * @example
 * const chat = await startChatServer({ port: 0, dataDir: tmp, logger: false });
 * const socket = new WebSocket(`${chat.webSocketUrl}?token=${token}`);
 * await chat.close();
 */
export async function startChatServer(options: ChatServerOptions = {}): Promise<ChatServer> {
  const settings = {
    port: 8080,
    host: '127.0.0.1',
    dataDir: DEFAULT_DATA_DIR,
    webRoot: DEFAULT_WEB_ROOT,
    drainTimeoutMs: 10_000,
    staleConnectionSweepMs: 300_000,
    ...options,
  };
  if (settings.cluster && !settings.database) {
    throw new ChatServerError(
      ChatServerErrorCode.config,
      'A cluster node needs a PostgreSQL database (DATABASE_URL) that every node shares.',
    );
  }
  if (settings.cluster && settings.tokenSecret === undefined) {
    throw new ChatServerError(
      ChatServerErrorCode.config,
      'A cluster node needs a token secret (CHAT_TOKEN_SECRET) that every node shares.',
    );
  }
  const dataDir = resolve(settings.dataDir);
  const logger: Logger | false = settings.logger === false ? false : pino();
  const chatLogger: ChatLogger = logger ? logger.child({ component: 'chat' }) : { warn() {} };

  const store = settings.database ? await openPostgres(settings.database) : await openSqlite(dataDir);
  let gateway: Gateway | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const inFlight = new InFlight();
  try {
    const secret = await resolveTokenSecret({ dataDir, secret: settings.tokenSecret });
    // A single node's sockets died with its previous process: its records are stale.
    // A cluster node must not: the other nodes' connections are in the same table.
    if (!settings.cluster) await store.clearConnections();
    // The gateway is created from handlers that need the service: bind it late.
    const broadcaster = new ChannelBroadcaster({
      channels: {
        subscribe: (connectionId, channel) => gateway!.channels.subscribe(connectionId, channel),
        unsubscribe: (connectionId, channel) => gateway!.channels.unsubscribe(connectionId, channel),
        publish: (channel, data, options) => gateway!.channels.publish(channel, data, options),
      },
      poster: managementPoster({ postToConnection: (input) => gateway!.management.postToConnection(input) }),
    });
    const service = new ChatService({ store, broadcaster, tokens: new TokenService({ secret }), logger: chatLogger });
    const handlers = inFlight.trackHandlers(createChatHandlers({ service, logger: chatLogger }));
    const health = {
      checks: readinessChecks(store, () => gateway!, settings.cluster !== undefined),
      draining: () => closing !== undefined,
    };
    gateway = await createGateway(chatApiDefinition(handlers), {
      port: settings.port,
      host: settings.host,
      tls: false,
      logger: logger === false ? false : logger.child({ component: 'gateway' }),
      requestHandler: withHealthEndpoints(
        createChatRequestHandler({ service, webRoot: settings.webRoot, logger: chatLogger }),
        health,
      ),
      ...(settings.cluster && { cluster: settings.cluster }),
    });
    const address = await listen(gateway, settings);
    if (settings.cluster) {
      const sweep = (): void => {
        void sweepStaleConnections({
          store,
          getConnection: (input) => gateway!.management.getConnection(input),
          disconnect: (connectionId) => service.disconnect(connectionId),
        }).catch((error: unknown) => chatLogger.warn({ err: error }, 'chat: stale connection sweep failed'));
      };
      sweep();
      sweepTimer = setInterval(sweep, settings.staleConnectionSweepMs).unref();
    }
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const url = `http://${host}:${address.port}`;
    return {
      url,
      webSocketUrl: address.url,
      readiness: () => checkReadiness(health),
      close() {
        closing ??= (async () => {
          clearInterval(sweepTimer);
          await gateway!.close();
          if (!(await inFlight.drain(settings.drainTimeoutMs))) {
            chatLogger.warn({ running: inFlight.size }, 'chat: closing the store with handlers still running');
          }
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    clearInterval(sweepTimer);
    await gateway?.close();
    await store.close();
    if (error instanceof Error && 'code' in error && (error.code === 'EACCES' || error.code === 'EROFS')) {
      throw new ChatServerError(
        ChatServerErrorCode.dataDir,
        `Cannot write to the data directory ${dataDir}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function openSqlite(dataDir: string): Promise<SqliteChatStore> {
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
    return SqliteChatStore.open(join(dataDir, DATABASE_FILE));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatServerError(
      ChatServerErrorCode.dataDir,
      `Cannot use the data directory ${dataDir}: ${reason}. Choose another with --data-dir or DATA_DIR.`,
      { cause: error },
    );
  }
}

async function openPostgres(database: ChatDatabaseOptions): Promise<PostgresChatStore> {
  try {
    return await PostgresChatStore.open({
      connectionString: database.url,
      ...(database.schema !== undefined && { schema: database.schema }),
      ...(database.poolSize !== undefined && { poolSize: database.poolSize }),
      ...(database.connectionTimeoutMs !== undefined && { connectionTimeoutMs: database.connectionTimeoutMs }),
    });
  } catch (error) {
    // STORE_UNAVAILABLE says only "could not store data"; the driver's cause says why.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
    throw new ChatServerError(
      ChatServerErrorCode.database,
      `Cannot use the PostgreSQL database at DATABASE_URL (${redactUrl(database.url)}): ${reason}`,
      { cause: error },
    );
  }
}

/**
 * What `/readyz` asks. The store: a one-row read that every adapter answers
 * through its normal path (pool, connection, query). Redis: the gateway's
 * cluster link.
 */
function readinessChecks(store: ChatStore, gateway: () => Gateway, clustered: boolean): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.peekCounter('readyz', Date.now()) }];
  if (clustered) checks.push({ name: 'redis', check: () => gateway().cluster!.ping() });
  return checks;
}

async function listen(
  gateway: Gateway,
  { host, port, cluster }: { host: string; port: number; cluster?: ChatClusterOptions },
): ReturnType<Gateway['listen']> {
  try {
    return await gateway.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'SB_ERR_CLUSTER' && cluster) {
      // The gateway's message names its own option (cluster.redisUrl); the cause says why.
      const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error);
      throw new ChatServerError(
        ChatServerErrorCode.redis,
        `Cannot reach Redis at REDIS_URL (${redactUrl(cluster.redisUrl)}): ${cause.message || cause.name}`,
        { cause: error },
      );
    }
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'is in use by another process' : 'cannot be used';
      throw new ChatServerError(
        ChatServerErrorCode.portUnavailable,
        `Port ${port} on ${host} ${why} (${code}). Choose another with --port or PORT.`,
        { cause: error },
      );
    }
    throw error;
  }
}
