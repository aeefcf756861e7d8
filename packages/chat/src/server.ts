/**
 * The chat in one process: a store (SQLite in the data directory by default,
 * PostgreSQL or DynamoDB: open-store.ts), the chat service, the Lambda-style handlers on the Switchboard
 * gateway (WebSocket API at `/ws`), and the HTTP endpoints plus the web client
 * on the same port.
 *
 *   browser ──HTTP /api/*, /*──▶ request handler (accounts, search, web client; /healthz, /readyz)
 *   browser ──ws /ws?token=───▶ gateway ─▶ authorizer, $connect, actions ─▶ ChatService ─▶ SQLite | PostgreSQL | DynamoDB
 *   ChatService ─▶ ChannelBroadcaster ─▶ gateway.channels (a channel per room, one frame per publish) ─▶ browsers
 *
 * With `cluster`, this process is one node of many: the gateway's channels and
 * `@connections` reach every node over Redis, every node shares one database
 * (PostgreSQL or DynamoDB), and presence is the database's connection records (a dead node's
 * connections get `$disconnect` from a surviving node, which removes them).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Tracer } from '@opentelemetry/api';
import { type ClusterOptions, createGateway, type Gateway } from '@switchboard/gateway';
import pino, { type Logger } from 'pino';
import { PasswordHasher, type ScryptCost } from './accounts/password.ts';
import { resolveTokenSecret } from './accounts/secret.ts';
import { secretVersions } from './accounts/secret-versions.ts';
import { TokenService } from './accounts/tokens.ts';
import { chatApiDefinition } from './api/definition.ts';
import { ChannelBroadcaster } from './broadcast/channel-broadcaster.ts';
import { managementPoster } from './broadcast/connection-poster.ts';
import { sendResyncNotices } from './broadcast/resync-notice.ts';
import { type ChatLogger, ChatService } from './domain/chat-service.ts';
import { type RateLimitOverrides, resolveRateLimits } from './domain/rate-limits.ts';
import { checkPresenceMaxRoomMembers } from './domain/use-cases/presence.ts';
import { createChatHandlers } from './handlers/index.ts';
import { TrustedProxies } from './http/client-address.ts';
import { checkReadiness, type Readiness, type ReadinessCheck, withHealthEndpoints } from './http/health.ts';
import { createChatRequestHandler } from './http/request-handler.ts';
import { SecretsManagerKeyRing } from './lambda/token-key-ring.ts';
import { InFlight } from './lifecycle/in-flight.ts';
import { sweepStaleConnections } from './lifecycle/stale-connections.ts';
import { type ChatDatabaseOptions, type ChatDynamoDbOptions, openChatStore } from './open-store.ts';
import type { Broadcaster } from './ports/broadcaster.ts';
import type { ChatStore } from './ports/chat-store.ts';
import { redactUrl } from './redact-url.ts';
import { ChatServerError, ChatServerErrorCode } from './server-error.ts';
import { type ChatFilesOptions, type OpenedFileStore, openFileStore } from './store/files/open-file-store.ts';
import { DEFAULT_DATA_DIR } from './store/sqlite/sqlite-chat-store.ts';
import { traceChatStore } from './store/traced-chat-store.ts';

export type { ChatDatabaseOptions, ChatDynamoDbOptions } from './open-store.ts';
export type { ChatFilesOptions } from './store/files/open-file-store.ts';

export interface ChatServerOptions {
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * The gateway's management listener on 127.0.0.1: `@connections`, `@channels` and
   * `/metrics` (never on the public port). 0 picks a free port; `npm start` uses 8081.
   * @default 0
   */
  managementPort?: number;
  /** Where the database (`chat.db`) and the generated token secret live. @default './data' */
  dataDir?: string;
  /** A token secret of at least 32 characters. @default generated on first start and kept in the data directory */
  tokenSecret?: string;
  /**
   * Instead of `tokenSecret`: the ARN of a Secrets Manager secret whose versions are
   * the token keys, as the Lambda functions read them (the `AWSCURRENT` version
   * signs, it and `AWSPREVIOUS` verify, so a rotation signs nobody out). Read at
   * start and every 5 minutes, never written to the environment or the disk.
   * @example 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-token-AbCdEf'
   */
  tokenSecretArn?: string;
  /** The built web client. @default packages/web/dist */
  webRoot?: string;
  /** `false` logs nothing; a pino logger logs there. @default a pino logger at level `info` on standard output */
  logger?: false | Logger;
  /**
   * Keep everything in PostgreSQL instead of SQLite (then `dataDir` only holds a
   * generated token secret, and not even that when `tokenSecret` is given).
   * @default SQLite in `dataDir`
   */
  database?: ChatDatabaseOptions;
  /**
   * Keep everything in a DynamoDB table instead (the design the Lambda functions
   * use). Search reads the table's word index, which the stream indexer writes (on
   * AWS a function on the table's stream, which both CDK stacks deploy); without an
   * indexer, messages are not found.
   * @default SQLite in `dataDir`
   */
  dynamodb?: ChatDynamoDbOptions;
  /**
   * Run as one node of a cluster: passed to the gateway as its `cluster` option.
   * Needs `database` or `dynamodb` (nodes share it) and `tokenSecret` or
   * `tokenSecretArn` (a token issued by one node must verify on every other).
   * @default one node on its own
   */
  cluster?: ChatClusterOptions;
  /** On close, how long running handlers may take to finish before the store closes. @default 10000 */
  drainTimeoutMs?: number;
  /** In a cluster, how often a node removes connection records that no node holds (lifecycle/stale-connections.ts). @default 300000 */
  staleConnectionSweepMs?: number;
  /**
   * Rate limits that differ from the defaults (`defaultRateLimits`, docs/operations.md
   * "Rate limits"). Their state is in process memory with SQLite, in the database
   * with PostgreSQL (so every node of a cluster counts together).
   * @default {}
   */
  rateLimits?: RateLimitOverrides;
  /**
   * Addresses or CIDR ranges of proxies in front of the chat whose
   * `X-Forwarded-For` names the client, for per-address limits.
   * @default [] (the socket's peer is the client)
   * @example ['10.0.0.0/8']
   */
  trustedProxies?: readonly string[];
  /** scrypt's cost for new password hashes. Lower only in tests: it weakens stored passwords. @default OWASP_SCRYPT_COST */
  passwordCost?: ScryptCost;
  /** How long a guest may be idle before it is retired (docs/protocol.md, "Guests"). @default 86400000 (24 hours) */
  guestIdleMs?: number;
  /**
   * Usernames of the server's admins, who read the audit log of every room
   * (docs/protocol.md, "Roles and moderation"). @default [] (none)
   * @example ['ada', 'grace']
   */
  serverAdmins?: readonly string[];
  /** How often this process retires idle guests (guest sign-ins retire a few too). @default 600000 */
  guestSweepMs?: number;
  /**
   * OpenTelemetry spans: the gateway's (route, authorizer, integration) and one per
   * store call, as children of the integration that made it (docs/operations.md,
   * "Tracing"). `npm start` passes one when OTEL_EXPORTER_OTLP_ENDPOINT is set.
   * @default undefined (no spans)
   */
  tracer?: Tracer;
  /** How often clients ping for the heads of their rooms (docs/protocol.md, "ping"). @default 25000 */
  heartbeatIntervalMs?: number;
  /**
   * Rooms with more members than this send no `presence` frames; their members
   * read `online` (docs/protocol.md, "presence"). @default 250
   */
  presenceMaxRoomMembers?: number;
  /**
   * Wraps how room events reach connections, e.g. to trace or count publishes;
   * what it returns must keep the `Broadcaster` contract (ports/broadcaster.ts).
   * @default the gateway's channels, as they are
   * @example { broadcaster: (channels) => new TracingBroadcaster(channels) }
   */
  broadcaster?: (channels: Broadcaster) => Broadcaster;
  /**
   * Where attached files live, and their limits (docs/operations.md, "Files"):
   * a directory or an S3 bucket; `false` refuses attachments.
   * @default `<dataDir>/files` on one node; none (attachments refused) in a cluster
   */
  files?: ChatFilesOptions | false;
}

/** The gateway's cluster settings (Redis URL, node id, heartbeat, key prefix). */
export type ChatClusterOptions = ClusterOptions;

export interface ChatServer {
  /** `http://host:port`: the web client and the HTTP endpoints. */
  url: string;
  /** `ws://host:port/ws`: add `?token=<token>`. */
  webSocketUrl: string;
  /** `http://127.0.0.1:managementPort/ws`: the `@connections` endpoint; `/metrics` is on the same listener. */
  managementUrl: string;
  /** What `GET /readyz` answers: whether the store (and, in a cluster, Redis) answer. */
  readiness(): Promise<Readiness>;
  /**
   * Graceful shutdown: stops accepting, closes every connection with 1001 (so
   * clients reconnect, to another node in a cluster), waits for their
   * `$disconnect` and for running handlers, then closes the store.
   */
  close(): Promise<void>;
}

/**
 * The management listener stays on loopback: the chat runs its `@connections` with
 * the gateway's default `access: loopback`, which the gateway refuses elsewhere.
 */
const MANAGEMENT_HOST = '127.0.0.1';
/** How often the server does again what failed while Redis or the store was away (ChatService.retryDeferred). */
const DEFERRED_RETRY_MS = 1000;

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
    managementPort: 0,
    dataDir: DEFAULT_DATA_DIR,
    webRoot: DEFAULT_WEB_ROOT,
    drainTimeoutMs: 10_000,
    staleConnectionSweepMs: 300_000,
    guestSweepMs: 600_000,
    ...options,
  };
  if (settings.database && settings.dynamodb) {
    throw new ChatServerError(ChatServerErrorCode.config, 'Choose one database: `database` or `dynamodb`, not both.');
  }
  if (settings.tokenSecret !== undefined && settings.tokenSecretArn !== undefined) {
    throw new ChatServerError(ChatServerErrorCode.config, 'Choose one token key: `tokenSecret` or `tokenSecretArn`.');
  }
  if (settings.cluster && !settings.database && !settings.dynamodb) {
    throw new ChatServerError(
      ChatServerErrorCode.config,
      'A cluster node needs a database that every node shares: PostgreSQL (DATABASE_URL) or DynamoDB (DYNAMODB_TABLE).',
    );
  }
  if (settings.cluster && settings.tokenSecret === undefined && settings.tokenSecretArn === undefined) {
    throw new ChatServerError(
      ChatServerErrorCode.config,
      'A cluster node needs a token secret that every node shares (CHAT_TOKEN_SECRET or CHAT_TOKEN_SECRET_ARN).',
    );
  }
  const dataDir = resolve(settings.dataDir);
  // Checked before anything opens: a bad entry is a configuration error, not a crash later.
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = new TrustedProxies(settings.trustedProxies);
    resolveRateLimits(settings.rateLimits);
    for (const name of ['guestIdleMs', 'heartbeatIntervalMs'] as const) {
      const value = settings[name];
      if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
        throw new TypeError(`${name} must be a positive number of milliseconds, got ${value}.`);
      }
    }
    if (settings.presenceMaxRoomMembers !== undefined) checkPresenceMaxRoomMembers(settings.presenceMaxRoomMembers);
  } catch (error) {
    throw new ChatServerError(ChatServerErrorCode.config, (error as Error).message, { cause: error });
  }
  const logger: Logger | false = settings.logger === undefined ? pino() : settings.logger;
  const chatLogger: ChatLogger = logger ? logger.child({ component: 'chat' }) : { warn() {} };

  const opened = await openChatStore(
    settings.database
      ? { database: settings.database, dataDir }
      : settings.dynamodb
        ? { dynamodb: settings.dynamodb, dataDir }
        : { dataDir },
    chatLogger,
  );
  const store = settings.tracer ? traceChatStore(opened.store, settings.tracer, opened.system) : opened.store;
  // The SDK's settings (region, endpoint, credentials) come from the environment, as on ECS.
  const secretsManager = settings.tokenSecretArn === undefined ? undefined : new SecretsManagerClient({});
  let gateway: Gateway | undefined;
  /** The server's periodic work, stopped when it closes. */
  const timers: NodeJS.Timeout[] = [];
  let closing: Promise<void> | undefined;
  let files: OpenedFileStore | undefined;
  const inFlight = new InFlight();
  try {
    try {
      files = await openFileStore(settings.files, {
        dataDir,
        cluster: settings.cluster !== undefined,
        logger: chatLogger,
      });
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      throw new ChatServerError(ChatServerErrorCode.config, error.message, { cause: error });
    }
    const tokens = await tokenService(settings.tokenSecretArn, dataDir, settings.tokenSecret, secretsManager);
    // A single node's sockets died with its previous process: its records are stale.
    // A cluster node must not: the other nodes' connections are in the same table.
    if (!settings.cluster) await store.clearConnections();
    // The gateway is created from handlers that need the service: bind it late.
    const channels = new ChannelBroadcaster({
      channels: {
        subscribe: (connectionId, channel) => gateway!.channels.subscribe(connectionId, channel),
        unsubscribe: (connectionId, channel) => gateway!.channels.unsubscribe(connectionId, channel),
        publish: (channel, data, options) => gateway!.channels.publish(channel, data, options),
      },
      poster: managementPoster({
        postToConnection: (input) => gateway!.management.postToConnection(input),
        deleteConnection: (input) => gateway!.management.deleteConnection(input),
      }),
    });
    const broadcaster = settings.broadcaster ? settings.broadcaster(channels) : channels;
    const service = new ChatService({
      store,
      broadcaster,
      tokens,
      logger: chatLogger,
      rateLimitStore: opened.rateLimits,
      ...(settings.rateLimits && { rateLimits: settings.rateLimits }),
      passwords: new PasswordHasher(settings.passwordCost),
      ...(settings.guestIdleMs !== undefined && { guestIdleMs: settings.guestIdleMs }),
      ...(settings.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: settings.heartbeatIntervalMs }),
      ...(settings.presenceMaxRoomMembers !== undefined && { presenceMaxRoomMembers: settings.presenceMaxRoomMembers }),
      ...(settings.serverAdmins && { serverAdmins: settings.serverAdmins }),
      ...(files.files && { files: files.files }),
    });
    const handlers = inFlight.trackHandlers(createChatHandlers({ service, logger: chatLogger }));
    const health = {
      checks: readinessChecks(store, () => gateway!, settings.cluster !== undefined),
      draining: () => closing !== undefined,
    };
    gateway = await createGateway(chatApiDefinition(handlers), {
      port: settings.port,
      host: settings.host,
      management: { port: settings.managementPort, host: MANAGEMENT_HOST },
      tls: false,
      logger: logger === false ? false : logger.child({ component: 'gateway' }),
      requestHandler: withHealthEndpoints(
        createChatRequestHandler({
          service,
          webRoot: settings.webRoot,
          fileOrigins: files.origins,
          logger: chatLogger,
          trustedProxies,
        }),
        health,
      ),
      ...(settings.cluster && { cluster: settings.cluster }),
      ...(settings.tracer && { tracer: settings.tracer }),
    });
    // Publishes made while this node's Redis subscriber was away never reached its connections.
    gateway.cluster?.onResubscribed((connectionIds) => {
      void sendResyncNotices(broadcaster, connectionIds, chatLogger);
    });
    const address = await listen(gateway, settings);
    if (settings.cluster) {
      const sweep = (): void => {
        void sweepStaleConnections({
          store,
          getConnection: (input) => gateway!.management.getConnection(input),
          disconnect: (connectionId) => service.presence.disconnect(connectionId),
        }).catch((error: unknown) => chatLogger.warn({ err: error }, 'chat: stale connection sweep failed'));
      };
      sweep();
      timers.push(setInterval(sweep, settings.staleConnectionSweepMs).unref());
    }
    // Broadcasts and disconnects that failed while Redis or the store was away, done again once they are back.
    const retryDeferred = (): void => void service.retryDeferred();
    timers.push(setInterval(retryDeferred, DEFERRED_RETRY_MS).unref());
    const retireGuests = (): void => {
      void service.guests
        .sweep()
        .catch((error: unknown) => chatLogger.warn({ err: error }, 'chat: retiring idle guests failed'));
    };
    timers.push(setInterval(retireGuests, settings.guestSweepMs).unref());
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    const url = `http://${host}:${address.port}`;
    return {
      url,
      webSocketUrl: address.url,
      managementUrl: address.managementUrl,
      readiness: () => checkReadiness(health),
      close() {
        closing ??= (async () => {
          for (const timer of timers) clearInterval(timer);
          await gateway!.close();
          if (!(await inFlight.drain(settings.drainTimeoutMs))) {
            chatLogger.warn({ running: inFlight.size }, 'chat: closing the store with handlers still running');
          }
          await opened.close();
          secretsManager?.destroy();
          files?.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const timer of timers) clearInterval(timer);
    await gateway?.close();
    await opened.close();
    secretsManager?.destroy();
    files?.close();
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

/**
 * Token keys from Secrets Manager (rotated, as on Lambda) when an ARN is given,
 * else the configured or generated secret.
 */
async function tokenService(
  secretArn: string | undefined,
  dataDir: string,
  secret: string | undefined,
  client: SecretsManagerClient | undefined,
): Promise<TokenService> {
  if (secretArn === undefined || client === undefined) {
    return new TokenService({ secret: await resolveTokenSecret({ dataDir, secret }) });
  }
  const ring = new SecretsManagerKeyRing(secretVersions(client, secretArn));
  try {
    // Read now: a wrong ARN or a missing permission stops the start, not the first sign-in.
    await ring.signingKey();
  } catch (error) {
    throw new ChatServerError(
      ChatServerErrorCode.config,
      `Cannot read the token secret at CHAT_TOKEN_SECRET_ARN (${secretArn}): ${(error as Error).message || (error as Error).name}`,
      { cause: error },
    );
  }
  return new TokenService({ keys: ring });
}

/**
 * What `/readyz` asks. The store: a one-row read that every adapter answers
 * through its normal path (pool, connection, query). Redis: the gateway's
 * cluster link.
 */
function readinessChecks(store: ChatStore, gateway: () => Gateway, clustered: boolean): ReadinessCheck[] {
  // A durable table: SQLite keeps counters in memory, which would answer without the file.
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.getUser('readyz') }];
  if (clustered) checks.push({ name: 'redis', check: () => gateway().cluster!.ping() });
  return checks;
}

async function listen(
  gateway: Gateway,
  {
    host,
    port,
    managementPort,
    cluster,
  }: { host: string; port: number; managementPort: number; cluster?: ChatClusterOptions },
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
      // Two listeners: the error names the port it failed on.
      const management =
        (error as { port?: number }).port === managementPort && managementPort !== port && managementPort !== 0;
      const [failedHost, failedPort, flag] = management
        ? [MANAGEMENT_HOST, managementPort, '--management-port or MANAGEMENT_PORT']
        : [host, port, '--port or PORT'];
      throw new ChatServerError(
        ChatServerErrorCode.portUnavailable,
        `Port ${failedPort} on ${failedHost} ${why} (${code}). Choose another with ${flag}.`,
        { cause: error },
      );
    }
    throw error;
  }
}
