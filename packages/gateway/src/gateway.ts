/**
 * The gateway: an API Gateway WebSocket API stage on two listeners, a public one
 * (WebSocket clients, the app's own pages) and a management one (`@connections`,
 * `@channels`, `/metrics`; loopback by default). This file composes the parts;
 * each role lives in its own file:
 *
 *   client ──upgrade──▶ server/handshake-pipeline.ts (rate, authorizer, $connect) ─▶ 101
 *   client ──frame────▶ routing/message-pipeline.ts (selection, throttle, model, integration, route response)
 *   backend ─@connections (HTTP or in-process)─▶ management/ ─▶ server/outbound.ts ─▶ client
 *   close ────────────▶ server/connection-lifecycle.ts: $disconnect (once, after the socket is gone)
 *   sockets ──────────▶ server/listener.ts (plain and TLS on one port, deadlines)
 *   HTTP ─────────────▶ server/public-router.ts | server/management-router.ts
 *   events ───────────▶ observability/access-log.ts, developer/ (the page on the management listener)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { RequestAuthorizer } from './authorizer/request-authorizer.ts';
import { ChannelRegistry } from './channels/channel-registry.ts';
import type { ChannelsClient } from './channels/channels-client.ts';
import { createChannelsHttpApi } from './channels/http-api.ts';
import { InProcessChannels } from './channels/in-process-channels.ts';
import { ClusterChannels } from './cluster/cluster-channels.ts';
import { createClusterManagementClient } from './cluster/cluster-management.ts';
import { ClusterNode, type GatewayCluster } from './cluster/cluster-node.ts';
import { type ClusterOptions, resolveClusterOptions } from './cluster/cluster-options.ts';
import { validateDefinition } from './config/validate.ts';
import type { GatewayDefinition, RouteDefinition } from './definition.ts';
import { DeveloperActivity } from './developer/developer-activity.ts';
import { createDeveloperPage, DEVELOPER_PATH } from './developer/developer-page.ts';
import { ConfigError, GatewayError, GatewayErrorCode } from './errors.ts';
import type { RequestContext } from './events.ts';
import { FunctionLoader, type FunctionReload } from './integrations/function-loader.ts';
import { createRouteIntegration } from './integrations/route-integration.ts';
import { startConnectionSweeper } from './limits/connection-sweeper.ts';
import { createManagementClient, type ManagementClient } from './management/client.ts';
import { createManagementHttpApi } from './management/http-api.ts';
import type { ManagementAccessOptions } from './management/http-request.ts';
import { ConnectionOperations } from './management/operations.ts';
import { AccessLog } from './observability/access-log.ts';
import { createLogger } from './observability/logger.ts';
import { type ClientErrorKind, GatewayMetrics } from './observability/metrics.ts';
import { MessagePipeline } from './routing/message-pipeline.ts';
import { type CompiledRoute, RouteTable } from './routing/route-table.ts';
import { ConnectionLifecycle } from './server/connection-lifecycle.ts';
import { HandshakePipeline } from './server/handshake-pipeline.ts';
import { type OpenListener, openListener, type TlsOption } from './server/listener.ts';
import { createManagementRouter } from './server/management-router.ts';
import { Outbound } from './server/outbound.ts';
import { createPublicRouter, type RequestListener } from './server/public-router.ts';
import { MAX_OUTBOUND_MESSAGE_BYTES, resolveSettings, type Settings } from './settings.ts';
import { TokenBucket } from './throttle/token-bucket.ts';
import { compileRouteModels } from './validation/models.ts';

export interface GatewayOptions {
  /** @default 3001 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Directory that handler module paths are relative to. @default process.cwd() */
  baseDir?: string;
  /**
   * The management listener, apart from the public one: `@connections`,
   * `@channels` and `/metrics` are served there and nowhere else.
   * @default { port: 0, host: '127.0.0.1' } (a free loopback port; the CLI uses 3002)
   */
  management?: ManagementListenerOptions;
  /**
   * `requestContext.domainName`. Handlers build `https://${domainName}/${stage}` as
   * their `@connections` endpoint; the default points at the management listener,
   * which also speaks TLS.
   * @default `localhost:${managementPort}`
   */
  domainName?: string;
  /**
   * TLS on the same ports as plain HTTP (told apart by the first byte), on both
   * listeners. `auto` uses a local certificate kept in `SWITCHBOARD_TLS_DIR`
   * (default `~/.switchboard/tls`).
   * @default 'auto'
   */
  tls?: TlsOption;
  /** A pino logger, or false for none. @default a pino logger at level `info` */
  logger?: Logger | false;
  /**
   * Plain HTTP requests on the public listener go here (an app's own pages and APIs
   * on the same origin), except the stage path (426) and management paths (403).
   * Without it they get 404.
   */
  requestHandler?: (request: IncomingMessage, response: ServerResponse) => void;
  /**
   * Run as one node of a cluster over Redis: `management` (and `@connections`) and
   * `channels` (and `@channels`) then work across every node with the same answers,
   * behind any load balancer, with no sticky sessions (docs/gateway.md, "Cluster mode").
   * @default undefined (one node)
   * @example { redisUrl: 'redis://127.0.0.1:6379', nodeId: 'node-a' }
   */
  cluster?: ClusterOptions;
  /**
   * The developer page at `/developer` on the management listener (docs/gateway.md,
   * "The developer page"): connections, routes, last events and a frame console. It
   * is served only when that listener is on loopback with `management.access: loopback`.
   * @default true
   */
  developerPage?: boolean;
  /**
   * OpenTelemetry spans for every request: `route <routeKey>`, with `authorizer` and
   * `integration <routeKey>` as children (docs/operations.md, "Tracing").
   * `startOtlpTracing()` returns one when an OTLP endpoint is configured.
   * @default undefined (no spans; the request paths do not touch OpenTelemetry)
   */
  tracer?: Tracer;
}

export interface ManagementListenerOptions {
  /**
   * Port of the management listener; 0 picks a free one (reported by `listen()`).
   * @default 0
   */
  port?: number;
  /**
   * Address to listen on. Anything but loopback (127.0.0.0/8, `::1`, `localhost`)
   * needs `management.access: signed` in the definition, so that no unsigned call
   * from the network reaches `@connections` or `@channels`.
   * @default '127.0.0.1'
   */
  host?: string;
}

export interface GatewayAddress {
  /** `ws://host:port/stage`: the public listener, for WebSocket clients. */
  url: string;
  port: number;
  host: string;
  /** `http://managementHost:managementPort/stage`, the `@connections` base for the AWS SDK's `endpoint`. */
  managementUrl: string;
  /** The management listener's port (`@connections`, `@channels`, `/metrics`). */
  managementPort: number;
  managementHost: string;
  /** `http://managementHost:managementPort/developer`, or undefined when the developer page is off. */
  developerUrl: string | undefined;
}

/** Spec 4: integration timeout default and bounds. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
/** On close, how long `$connect` handlers still running after their timeout may take to finish. */
const LATE_CONNECT_GRACE_MS = 2000;
const DEFAULT_HOST = '127.0.0.1';

/**
 * The management listener answers unsigned calls from loopback (`access: loopback`);
 * on a non-loopback address that would be anyone on the network, so it needs `signed`.
 */
function assertManagementPrivate(host: string, settings: Settings): void {
  if (isLoopbackHost(host) || settings.management.access === 'signed') return;
  throw new ConfigError(
    `the management listener on ${host} would take unsigned calls from the network: set management.access to "signed" (with management.credentials), or listen on 127.0.0.1`,
    { path: 'management.access' },
  );
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Creates a gateway from a definition: validates it and loads every function once.
 *
 * @example
 * ```ts
 * const gateway = await createGateway({ routes: { $default: { handler: echo, routeResponse: true } } });
 * const { url } = await gateway.listen();
 * ```
 */
export async function createGateway(definition: GatewayDefinition, options: GatewayOptions = {}): Promise<Gateway> {
  const valid = validateDefinition(definition);
  const settings = resolveSettings(valid);
  assertManagementPrivate(options.management?.host ?? DEFAULT_HOST, settings);
  const functions = new FunctionLoader(settings, options.baseDir ?? process.cwd());
  try {
    const routes: CompiledRoute[] = [];
    for (const [key, route] of Object.entries(valid.routes))
      routes.push(await compileRoute(key, route, settings, functions));
    let authorizer: RequestAuthorizer | undefined;
    if (valid.authorizer) {
      authorizer = new RequestAuthorizer({
        fn: await functions.load({
          handler: valid.authorizer.handler,
          functionName: valid.authorizer.functionName ?? `${settings.stage}-authorizer`,
          environment: valid.authorizer.environment,
          path: 'authorizer',
        }),
        // Spec 6: without identity sources the authorizer runs on every handshake.
        identitySources: valid.authorizer.identitySource ?? [],
        methodArn: `arn:aws:execute-api:${settings.region}:${settings.accountId}:${settings.apiId}/${settings.stage}/$connect`,
        timeoutMs: DEFAULT_INTEGRATION_TIMEOUT_MS,
      });
    }
    return new Gateway(
      settings,
      new RouteTable(settings.routeSelectionExpression, routes),
      authorizer,
      functions,
      options,
    );
  } catch (error) {
    await functions.close();
    throw error;
  }
}

async function compileRoute(
  key: string,
  route: RouteDefinition,
  settings: Settings,
  functions: FunctionLoader,
): Promise<CompiledRoute> {
  const integration = await createRouteIntegration(key, route, settings, functions);
  const throttling = route.throttling === false ? undefined : (route.throttling ?? settings.throttling);
  return {
    key,
    integration,
    routeResponse: route.routeResponse !== undefined && route.routeResponse !== false,
    validate: compileRouteModels(route, `routes.${key}`),
    timeoutMs: route.timeoutInMillis ?? DEFAULT_INTEGRATION_TIMEOUT_MS,
    throttle: throttling ? new TokenBucket(throttling) : undefined,
  };
}

export class Gateway {
  /** The in-process `@connections` client, with the HTTP API's semantics. */
  readonly management: ManagementClient;
  /** Channels (an extension beyond API Gateway), with the `@channels` HTTP API's semantics. */
  readonly channels: ChannelsClient;
  readonly metrics: GatewayMetrics;
  readonly settings: Settings;
  /** This node's part of the cluster; undefined without the `cluster` option. */
  readonly cluster: GatewayCluster | undefined;

  readonly #routes: RouteTable;
  readonly #functions: FunctionLoader;
  readonly #options: GatewayOptions;
  readonly #lifecycle: ConnectionLifecycle;
  readonly #handshakes: HandshakePipeline;
  readonly #onPublicRequest: RequestListener;
  readonly #onManagementRequest: RequestListener;
  readonly #channelRegistry = new ChannelRegistry();
  readonly #cluster: ClusterNode | undefined;
  readonly #logger: Logger;
  readonly #accessLog: AccessLog | undefined;
  readonly #developerActivity: DeveloperActivity | undefined;
  #listener: OpenListener | undefined;
  #managementListener: OpenListener | undefined;
  #stopSweeper: (() => void) | undefined;
  #domainName = '';
  #closing = false;

  constructor(
    settings: Settings,
    routes: RouteTable,
    authorizer: RequestAuthorizer | undefined,
    functions: FunctionLoader,
    options: GatewayOptions,
  ) {
    this.settings = settings;
    this.#routes = routes;
    this.#functions = functions;
    this.#options = options;
    this.#logger = options.logger === false ? createLogger({ enabled: false }) : (options.logger ?? createLogger({}));
    this.metrics = new GatewayMetrics({ routes: routes.all.map((route) => route.key) });
    this.#accessLog = settings.accessLog
      ? new AccessLog({ ...settings.accessLog, baseDir: options.baseDir ?? process.cwd() })
      : undefined;
    const managementHost = options.management?.host ?? DEFAULT_HOST;
    // What the page shows is the management plane's: only where unsigned loopback calls may see it anyway.
    const developerPage =
      options.developerPage !== false && isLoopbackHost(managementHost) && settings.management.access === 'loopback';
    const developerActivity = developerPage
      ? new DeveloperActivity({ routeKeys: routes.all.map((route) => route.key) })
      : undefined;
    this.#developerActivity = developerActivity;
    const accessLog = (
      requestContext: RequestContext,
      extras: Record<string, string | number | undefined>,
      body?: string,
    ): void => {
      this.#accessLog?.write(requestContext, extras);
      developerActivity?.record(requestContext, extras, body);
    };
    const outbound = new Outbound({ maxQueuedBytes: settings.maxQueuedBytesPerConnection });
    const messages = new MessagePipeline({
      routes,
      maxInFlight: settings.maxInFlightPerConnection,
      outbound,
      metrics: this.metrics,
      logger: this.#logger,
      accessLog,
      tracer: options.tracer,
    });
    this.#lifecycle = new ConnectionLifecycle({
      disconnect: routes.disconnect,
      messages,
      registry: this.#channelRegistry,
      frameLimits: { maxFrameBytes: settings.maxFrameBytes, maxMessageBytes: settings.maxMessageBytes },
      metrics: this.metrics,
      logger: this.#logger,
      accessLog,
      owesDisconnect: options.cluster ? (id) => (this.#cluster as ClusterNode).owesDisconnect(id) : undefined,
      serving: options.cluster ? () => (this.#cluster as ClusterNode).isServing() : undefined,
      ...(options.tracer && { tracer: options.tracer }),
    });
    const connections = this.#lifecycle.connections;
    /** Connections in their handshake, with the channels subscribed from their `$connect`. */
    const connecting = new Map<string, Set<string>>();
    const operations = new ConnectionOperations(connections, {
      maxPayloadBytes: MAX_OUTBOUND_MESSAGE_BYTES,
      outbound,
      throttle: settings.management.throttling ? new TokenBucket(settings.management.throttling) : undefined,
      onSent: () => this.metrics.messageOut('management'),
      onThrottled: () => this.metrics.throttled('management'),
    });
    const management = createManagementClient(operations);
    const channels = new InProcessChannels(connections, this.#channelRegistry, outbound, {
      connecting,
      maxPayloadBytes: MAX_OUTBOUND_MESSAGE_BYTES,
      onPublished: (recipients) => this.metrics.messageOut('channel', recipients),
    });
    if (options.cluster) {
      const node = new ClusterNode({
        options: resolveClusterOptions(options.cluster),
        apiId: settings.apiId,
        stage: settings.stage,
        logger: this.#logger,
        connections,
        registry: this.#channelRegistry,
        local: { management, channels },
        onConnectionLost: (facts, cause) => this.#lifecycle.invokeDisconnect(facts, cause),
        fence: (cause) => this.#lifecycle.cutOff(cause),
      });
      // A node that lost its liveness holds no connection: its calls answer as another node's would (410).
      const isLocal = (id: string): boolean => node.isServing() && (connections.has(id) || connecting.has(id));
      this.#cluster = node;
      this.management = createClusterManagementClient(management, isLocal, node, {
        maxPayloadBytes: MAX_OUTBOUND_MESSAGE_BYTES,
      });
      this.channels = new ClusterChannels(channels, isLocal, node);
    } else {
      this.#cluster = undefined;
      this.management = management;
      this.channels = channels;
    }
    this.cluster = this.#cluster;
    this.#handshakes = new HandshakePipeline({
      settings,
      connect: routes.connect,
      authorizer,
      connectionRate: new TokenBucket({
        // Spec 4 (checklist 82): a rate below one per second must still admit a
        // connection now and then, so the bucket holds at least one token.
        burstLimit: Math.max(1, settings.newConnectionsPerSecond),
        rateLimit: settings.newConnectionsPerSecond,
      }),
      lifecycle: this.#lifecycle,
      connecting,
      cluster: this.#cluster,
      domainName: () => this.#domainName,
      listenerPort: () => this.#listener?.port ?? 0,
      metrics: this.metrics,
      logger: this.#logger,
      accessLog,
      tracer: options.tracer,
    });
    const access: ManagementAccessOptions = {
      stage: settings.stage,
      access: settings.management.access,
      credentials: settings.management.credentials,
      maxPayloadBytes: MAX_OUTBOUND_MESSAGE_BYTES,
    };
    const onManagementRequest = (operation: string, status: number): void =>
      this.metrics.managementRequest(operation, status);
    this.#onPublicRequest = createPublicRouter({ stage: settings.stage, requestHandler: options.requestHandler });
    this.#onManagementRequest = createManagementRouter({
      managementApi: createManagementHttpApi(this.management, { ...access, onRequest: onManagementRequest }),
      channelsApi: createChannelsHttpApi(this.channels, { ...access, onRequest: onManagementRequest }),
      metrics: this.metrics,
      developerPage:
        developerActivity &&
        createDeveloperPage({
          stage: settings.stage,
          activity: developerActivity,
          connections,
          management: this.management,
          maxPayloadBytes: MAX_OUTBOUND_MESSAGE_BYTES,
        }),
    });
    this.metrics.observeChannels(() => ({
      channels: this.#channelRegistry.channelCount,
      subscriptions: this.#channelRegistry.subscriptionCount,
    }));
  }

  /** Open connections on this gateway. */
  get connectionCount(): number {
    return this.#lifecycle.connections.size;
  }

  /**
   * Loads every module handler's code anew (hot reload; docs/gateway.md, "Hot reload"):
   * invocations running finish on the old code, the next ones run the new. A
   * function whose new code does not load keeps its old code and reports why.
   */
  reloadFunctions(): Promise<FunctionReload[]> {
    return this.#functions.reload();
  }

  async listen(): Promise<GatewayAddress> {
    if (this.#listener) throw new GatewayError(GatewayErrorCode.alreadyListening, 'The gateway is already listening');
    // Before the port opens: a node that cannot reach Redis must not take clients.
    await this.#cluster?.start();
    const deadlines = {
      tls: this.#options.tls ?? 'auto',
      firstByteTimeoutMs: this.settings.firstByteTimeoutMs,
      requestHeadersTimeoutMs: this.settings.requestHeadersTimeoutMs,
      onClientError: (kind: ClientErrorKind) => this.metrics.clientError(kind),
    } as const;
    // The management listener first: the public one's clients get its address as domainName.
    const managementHost = this.#options.management?.host ?? DEFAULT_HOST;
    const managementPort = this.#options.management?.port ?? 0;
    const management = await openListener({
      ...deadlines,
      host: managementHost,
      port: managementPort,
      // Under node:cluster every listen(0) of a worker gets the primary's one shared
      // "random" port, so a free management port would be the public one: listen apart.
      exclusive: managementPort === 0,
      onRequest: this.#onManagementRequest,
    });
    this.#managementListener = management;
    const host = this.#options.host ?? DEFAULT_HOST;
    let listener: OpenListener;
    try {
      listener = await openListener({
        ...deadlines,
        host,
        port: this.#options.port ?? 3001,
        onRequest: this.#onPublicRequest,
        onUpgrade: (request, socket, head, secure) => this.#handshakes.upgrade(request, socket, head, secure),
      });
    } catch (error) {
      this.#managementListener = undefined;
      await management.close();
      throw error;
    }
    this.#listener = listener;
    const { port } = listener;
    this.#domainName = this.#options.domainName ?? `localhost:${management.port}`;
    this.#stopSweeper = startConnectionSweeper(this.#lifecycle.connections, {
      idleTimeoutMs: this.settings.idleTimeoutMs,
      maxDurationMs: this.settings.maxDurationMs,
    });
    const managementUrlHost = reachable(managementHost);
    // For SDK clients built without an explicit endpoint (the SDK reads this variable).
    this.#functions.setEnvironment({
      AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: `http://${managementUrlHost}:${management.port}/${this.settings.stage}`,
    });
    return {
      url: `ws://${urlHost(host)}:${port}/${this.settings.stage}`,
      port,
      host,
      managementUrl: `http://${urlHost(managementHost)}:${management.port}/${this.settings.stage}`,
      managementPort: management.port,
      managementHost,
      developerUrl: this.#developerActivity
        ? `http://${urlHost(managementHost)}:${management.port}${DEVELOPER_PATH}`
        : undefined,
    };
  }

  /**
   * Stops accepting, closes every connection with 1001 (so clients reconnect
   * elsewhere), waits for `$disconnect` handlers, and releases integrations.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#handshakes.stop();
    this.#stopSweeper?.();
    const stopped = this.#listener?.close() ?? Promise.resolve();
    await this.#handshakes.settled(LATE_CONNECT_GRACE_MS);
    await this.#lifecycle.drain();
    // The connections' directory entries are gone now; a survivor would otherwise
    // run their `$disconnect` again after this node's TTL.
    await this.#cluster?.stop();
    await this.#lifecycle.disconnectsSettled();
    // The management listener stays up until here: `$disconnect` handlers may still post.
    const managementStopped = this.#managementListener?.close() ?? Promise.resolve();
    // Keep-alive HTTP clients (the SDK, fetch) would hold the ports open for seconds.
    this.#listener?.destroyAllSockets();
    this.#managementListener?.destroyAllSockets();
    await Promise.all([stopped, managementStopped]);
    await Promise.allSettled(this.#routes.all.map((route) => route.integration.close()));
    await this.#functions.close();
    await this.#accessLog?.close();
  }
}

/** A host as it goes into a URL (IPv6 in brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** An address this process can reach a listener on: the loopback address for a wildcard one. */
function reachable(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost(host);
}
