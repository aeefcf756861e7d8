/**
 * The gateway: an API Gateway WebSocket API stage served from one port.
 *
 *   client ──upgrade──▶ connection rate ─▶ authorizer ─▶ $connect ─▶ 101
 *   client ──frame────▶ limits ─▶ route selection ─▶ throttle ─▶ model ─▶ integration ─▶ route response
 *   backend ─@connections (HTTP or in-process)─▶ client
 *   close ────────────▶ $disconnect (once, after the socket is gone)
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AuthorizerOutcome, RequestAuthorizer } from './authorizer/request-authorizer.ts';
import { ChannelRegistry } from './channels/channel-registry.ts';
import type { ChannelsClient } from './channels/channels-client.ts';
import { createChannelsHttpApi, isChannelsPath } from './channels/http-api.ts';
import { InProcessChannels } from './channels/in-process-channels.ts';
import { ClusterChannels } from './cluster/cluster-channels.ts';
import { createClusterManagementClient } from './cluster/cluster-management.ts';
import { ClusterNode, type GatewayCluster } from './cluster/cluster-node.ts';
import { type ClusterOptions, resolveClusterOptions } from './cluster/cluster-options.ts';
import { validateDefinition } from './config/validate.ts';
import { type CloseCause, Connection, type ConnectionEvents } from './connection.ts';
import type { GatewayDefinition, RouteDefinition } from './definition.ts';
import { GatewayError, GatewayErrorCode } from './errors.ts';
import { type ConnectionFacts, connectEvent, disconnectEvent, type RequestContext } from './events.ts';
import { newId } from './ids.ts';
import { FunctionLoader } from './integrations/function-loader.ts';
import { httpIntegration } from './integrations/http.ts';
import { type Integration, IntegrationTimeoutError } from './integrations/integration.ts';
import { lambdaIntegration } from './integrations/lambda.ts';
import { startConnectionSweeper } from './limits/connection-sweeper.ts';
import { guardFrameSize } from './limits/frame-guard.ts';
import { createManagementClient, type ManagementClient } from './management/client.ts';
import { createManagementHttpApi, isManagementPath } from './management/http-api.ts';
import type { ManagementAccessOptions } from './management/http-request.ts';
import { ConnectionOperations } from './management/operations.ts';
import { AccessLog } from './observability/access-log.ts';
import { createLogger } from './observability/logger.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { MessagePipeline } from './routing/message-pipeline.ts';
import { type CompiledRoute, RouteTable } from './routing/route-table.ts';
import { createDualProtocolListener } from './server/dual-protocol-listener.ts';
import {
  type ClientHandshake,
  readClientHandshake,
  rejectHandshake,
  safeResponseHeaders,
} from './server/handshake-facts.ts';
import { Outbound } from './server/outbound.ts';
import { resolveSettings, type Settings } from './settings.ts';
import { TokenBucket } from './throttle/token-bucket.ts';
import { ensureLocalCertificate } from './tls/local-certificate.ts';
import { compileRouteModels } from './validation/models.ts';

export interface GatewayOptions {
  /** @default 3001 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Directory that handler module paths are relative to. @default process.cwd() */
  baseDir?: string;
  /**
   * `requestContext.domainName`. Handlers build `https://${domainName}/${stage}` as
   * their `@connections` endpoint; the default points at this gateway's own port,
   * which also speaks TLS.
   * @default `localhost:${port}`
   */
  domainName?: string;
  /**
   * TLS on the same port (told apart from plain HTTP by its first byte). `auto`
   * uses a local certificate kept in `SWITCHBOARD_TLS_DIR` (default `~/.switchboard/tls`).
   * @default 'auto'
   */
  tls?: 'auto' | false | { key: string; cert: string };
  /** A pino logger, or false for none. @default a pino logger at level `info` */
  logger?: Logger | false;
  /**
   * Requests that are not WebSocket upgrades, `@connections` or `/metrics` go here
   * (an app's own pages and APIs on the same origin). Without it they get 404.
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
}

export interface GatewayAddress {
  /** `ws://host:port/stage` */
  url: string;
  /** `http://host:port/stage`, the `@connections` base for the AWS SDK's `endpoint`. */
  managementUrl: string;
  port: number;
  host: string;
}

/** Spec 4: integration timeout default and bounds. */
const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
const MANAGEMENT_MAX_PAYLOAD = 131_072;

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
        identitySources: valid.authorizer.identitySource ?? ['route.request.header.Authorization'],
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
  let integration: Integration;
  if (route.handler !== undefined) {
    const fn = await functions.load({
      handler: route.handler,
      functionName: route.functionName ?? `${settings.stage}-${key.replace(/[^A-Za-z0-9_-]/g, '') || 'route'}`,
      environment: route.environment,
      path: `routes.${key}`,
    });
    integration = lambdaIntegration(fn);
  } else if (route.integration) {
    integration = httpIntegration(route.integration, {
      stageVariables: settings.stageVariables ?? {},
      configPath: `routes.${key}.integration`,
    });
  } else {
    throw new GatewayError(GatewayErrorCode.config, `routes.${key}: needs a handler or an integration`);
  }
  const throttling = route.throttling ?? settings.throttling;
  return {
    key,
    integration,
    routeResponse: route.routeResponse ?? false,
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
  readonly #authorizer: RequestAuthorizer | undefined;
  readonly #functions: FunctionLoader;
  readonly #options: GatewayOptions;
  readonly #connections = new Map<string, Connection>();
  readonly #operations: ConnectionOperations;
  readonly #managementHttpApi: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly #channelsHttpApi: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly #channelRegistry = new ChannelRegistry();
  readonly #outbound: Outbound;
  readonly #messages: MessagePipeline;
  readonly #cluster: ClusterNode | undefined;
  /** One listener target for every connection's socket events (no per-connection closures). */
  readonly #connectionEvents: ConnectionEvents = {
    message: (connection, data, isBinary) => this.#messages.receive(connection, data, isBinary),
    close: (connection, code, reason) => this.#onClose(connection, code, reason),
  };
  readonly #connectionRate: TokenBucket;
  readonly #wss: WebSocketServer;
  readonly #logger: Logger;
  readonly #accessLog: AccessLog | undefined;
  /** Headers from `$connect` results, put on the 101 by the `headers` listener. */
  readonly #upgradeHeaders = new WeakMap<IncomingMessage, string[]>();
  /** Handshakes waiting on the authorizer or `$connect`; close() waits for them. */
  readonly #pendingHandshakes = new Set<Promise<void>>();
  /** Connections in their handshake, with the channels subscribed from their `$connect`. */
  readonly #connecting = new Map<string, Set<string>>();
  readonly #pendingDisconnects = new Set<Promise<void>>();
  #listener: Server | undefined;
  #destroyAllSockets: () => void = () => {};
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
    this.#authorizer = authorizer;
    this.#functions = functions;
    this.#options = options;
    this.#logger = options.logger === false ? createLogger({ enabled: false }) : (options.logger ?? createLogger({}));
    this.metrics = new GatewayMetrics({ routes: routes.all.map((route) => route.key) });
    this.#accessLog = settings.accessLog
      ? new AccessLog({ ...settings.accessLog, baseDir: options.baseDir ?? process.cwd() })
      : undefined;
    this.#connectionRate = new TokenBucket({
      // Spec 4 (checklist 82): a rate below one per second must still admit a
      // connection now and then, so the bucket holds at least one token.
      burstLimit: Math.max(1, settings.newConnectionsPerSecond),
      rateLimit: settings.newConnectionsPerSecond,
    });
    this.#outbound = new Outbound({ maxQueuedBytes: settings.maxQueuedBytesPerConnection });
    this.#messages = new MessagePipeline({
      routes,
      outbound: this.#outbound,
      metrics: this.metrics,
      logger: this.#logger,
      accessLog: (requestContext, extras) => this.#log(requestContext, extras),
    });
    this.#operations = new ConnectionOperations(this.#connections, {
      maxPayloadBytes: MANAGEMENT_MAX_PAYLOAD,
      outbound: this.#outbound,
      throttle: settings.management.throttling ? new TokenBucket(settings.management.throttling) : undefined,
      onSent: () => this.metrics.messageOut('management'),
      onThrottled: () => this.metrics.throttled('management'),
    });
    const management = createManagementClient(this.#operations);
    const channels = new InProcessChannels(this.#connections, this.#channelRegistry, this.#outbound, {
      connecting: this.#connecting,
      maxPayloadBytes: MANAGEMENT_MAX_PAYLOAD,
      onPublished: (recipients) => this.metrics.messageOut('channel', recipients),
    });
    if (options.cluster) {
      const node = new ClusterNode({
        options: resolveClusterOptions(options.cluster),
        apiId: settings.apiId,
        stage: settings.stage,
        logger: this.#logger,
        connections: this.#connections,
        registry: this.#channelRegistry,
        local: { management, channels },
        onConnectionLost: (facts, cause) => this.#runDisconnect(facts, cause),
      });
      const isLocal = (id: string): boolean => this.#connections.has(id) || this.#connecting.has(id);
      this.#cluster = node;
      this.management = createClusterManagementClient(management, isLocal, node, {
        maxPayloadBytes: MANAGEMENT_MAX_PAYLOAD,
      });
      this.channels = new ClusterChannels(channels, isLocal, node);
    } else {
      this.#cluster = undefined;
      this.management = management;
      this.channels = channels;
    }
    this.cluster = this.#cluster;
    const access: ManagementAccessOptions = {
      stage: settings.stage,
      access: settings.management.access,
      credentials: settings.management.credentials,
      maxPayloadBytes: MANAGEMENT_MAX_PAYLOAD,
    };
    this.#managementHttpApi = createManagementHttpApi(this.management, {
      ...access,
      onRequest: (operation, status) => this.metrics.managementRequest(operation, status),
    });
    this.#channelsHttpApi = createChannelsHttpApi(this.channels, {
      ...access,
      onRequest: (operation, status) => this.metrics.managementRequest(operation, status),
    });
    this.metrics.observeChannels(() => ({
      channels: this.#channelRegistry.channelCount,
      subscriptions: this.#channelRegistry.subscriptionCount,
    }));
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: false,
      // Spec 1.6: API Gateway never echoes a subprotocol; only `$connect` can return one (checklist 8, 9).
      handleProtocols: () => false,
    });
    this.#wss.on('headers', (headers: string[], request: IncomingMessage) => {
      const extra = this.#upgradeHeaders.get(request);
      if (extra) headers.push(...extra);
    });
  }

  /** Open connections on this gateway. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  async listen(): Promise<GatewayAddress> {
    if (this.#listener) throw new GatewayError(GatewayErrorCode.alreadyListening, 'The gateway is already listening');
    // Before the port opens: a node that cannot reach Redis must not take clients.
    await this.#cluster?.start();
    const onRequest = (request: IncomingMessage, response: ServerResponse): void => this.#onRequest(request, response);
    const plain = createHttpServer(onRequest);
    plain.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(request, socket, head, false),
    );
    let secure: ReturnType<typeof createHttpsServer> | undefined;
    if (this.#options.tls !== false) {
      const credentials = typeof this.#options.tls === 'object' ? this.#options.tls : await ensureLocalCertificate();
      secure = createHttpsServer({ key: credentials.key, cert: credentials.cert }, onRequest);
      secure.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.#onUpgrade(request, socket, head, true),
      );
    }
    const dual = createDualProtocolListener(plain, secure);
    const listener = dual.server;
    this.#destroyAllSockets = dual.destroyAllSockets;
    const host = this.#options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.#options.port ?? 3001, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.#listener = listener;
    const { port } = listener.address() as AddressInfo;
    this.#domainName = this.#options.domainName ?? `localhost:${port}`;
    this.#stopSweeper = startConnectionSweeper(this.#connections, {
      idleTimeoutMs: this.settings.idleTimeoutMs,
      maxDurationMs: this.settings.maxDurationMs,
    });
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const reachableHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost;
    // For SDK clients built without an explicit endpoint (the SDK reads this variable).
    this.#functions.setEnvironment({
      AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: `http://${reachableHost}:${port}/${this.settings.stage}`,
    });
    return {
      url: `ws://${urlHost}:${port}/${this.settings.stage}`,
      managementUrl: `http://${urlHost}:${port}/${this.settings.stage}`,
      port,
      host,
    };
  }

  /**
   * Stops accepting, closes every connection with 1001 (so clients reconnect
   * elsewhere), waits for `$disconnect` handlers, and releases integrations.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#stopSweeper?.();
    const listener = this.#listener;
    const stopped = listener ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve();
    await Promise.allSettled([...this.#pendingHandshakes]);
    for (const connection of this.#connections.values()) connection.closeBy({ code: 1001, reason: 'Going away' });
    // Clients that do not answer the close frame are cut off after a grace period.
    const grace = setTimeout(() => {
      for (const connection of this.#connections.values()) connection.socket.terminate();
    }, 2000);
    while (this.#connections.size > 0 || this.#pendingDisconnects.size > 0) {
      await Promise.race([...this.#pendingDisconnects, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
    clearTimeout(grace);
    // The connections' directory entries are gone now; a survivor would otherwise
    // run their `$disconnect` again after this node's TTL.
    await this.#cluster?.stop();
    await Promise.allSettled([...this.#pendingDisconnects]);
    // Keep-alive HTTP clients (the SDK, fetch) would hold the port open for seconds.
    this.#destroyAllSockets();
    await stopped;
    await Promise.allSettled(this.#routes.all.map((route) => route.integration.close()));
    await this.#functions.close();
    await this.#accessLog?.close();
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (isManagementPath(path)) {
      void this.#managementHttpApi(request, response);
    } else if (isChannelsPath(path)) {
      void this.#channelsHttpApi(request, response);
    } else if (path === '/metrics' && request.method === 'GET') {
      void this.metrics
        .render()
        .then(({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body));
    } else if (this.#isStagePath(path)) {
      // Checklist 1: a plain request to the WebSocket URL asks for an upgrade.
      sendJson(response, 426, { message: 'Upgrade Required' }, { Upgrade: 'websocket', Connection: 'Upgrade' });
    } else if (this.#options.requestHandler) {
      this.#options.requestHandler(request, response);
    } else {
      sendJson(response, 404, { message: 'Not Found' });
    }
  }

  #isStagePath(path: string): boolean {
    return path === `/${this.settings.stage}` || path === `/${this.settings.stage}/`;
  }

  #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (this.#closing) {
      rejectHandshake(socket, 503, 'Service Unavailable');
      return;
    }
    // Spec 3.3/9.2: a wrong stage is refused as API Gateway does, with 403.
    if (!this.#isStagePath(path)) {
      rejectHandshake(socket, 403, 'Forbidden');
      return;
    }
    if (!this.#connectionRate.tryTake()) {
      this.metrics.throttled('connection_rate');
      this.metrics.handshakeRejected(429);
      rejectHandshake(socket, 429, 'Too Many Requests');
      return;
    }
    const pending = this.#handshake(request, socket, head, secure).catch((error: unknown) => {
      this.#logger.error({ err: error }, 'handshake failed');
      rejectHandshake(socket, 500);
    });
    this.#pendingHandshakes.add(pending);
    void pending.finally(() => this.#pendingHandshakes.delete(pending));
  }

  async #handshake(request: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): Promise<void> {
    // The client may give up while $connect runs; its socket errors must not escape.
    socket.on('error', ignore);
    const now = Date.now();
    const requestId = newId();
    const client = readClientHandshake(request, secure);
    const facts: ConnectionFacts = {
      connectionId: newId(),
      connectedAt: now,
      sourceIp: client.sourceIp,
      stage: this.settings.stage,
      domainName: this.#domainName,
      apiId: this.settings.apiId,
      stageVariables: this.settings.stageVariables,
      authorizer: undefined,
    };
    // Channel subscriptions made during $connect wait here until the connection opens.
    this.#connecting.set(facts.connectionId, new Set());
    try {
      const reject = (status: number, reason: string, extras: Record<string, string | number> = {}): void => {
        this.metrics.handshakeRejected(status);
        this.#log(connectEvent(facts, client.forConnect, requestId, now).requestContext, {
          status,
          'error.message': reason,
          ...extras,
        });
        rejectHandshake(socket, status);
      };

      if (this.#authorizer) {
        const started = Date.now();
        const outcome: AuthorizerOutcome = await this.#authorizer.authorize(facts, client.full, requestId, now);
        const latency = Date.now() - started;
        if (!outcome.allowed) {
          reject(outcome.status, outcome.reason, { 'authorizer.latency': latency, 'authorize.status': outcome.status });
          return;
        }
        facts.authorizer = outcome.authorizer;
      }

      let responseHeaders: Record<string, string> | undefined;
      const connect = this.#routes.connect;
      if (connect) {
        const event = connectEvent(facts, client.forConnect, requestId, now);
        const started = Date.now();
        try {
          const result = await connect.integration.invoke({ event, deadline: started + connect.timeoutMs });
          this.metrics.integrationObserved('$connect', (Date.now() - started) / 1000);
          const status = result.statusCode ?? 200;
          // Spec 1.6: a non-2xx status from $connect becomes the handshake's status.
          if (status < 200 || status > 299) {
            reject(status, `$connect returned ${status}`);
            return;
          }
          responseHeaders = result.headers;
        } catch (error) {
          const timedOut = error instanceof IntegrationTimeoutError;
          this.metrics.integrationFailed('$connect', timedOut ? 'timeout' : 'error');
          this.#logger.warn({ err: error, connectionId: facts.connectionId, requestId }, '$connect integration failed');
          // Spec 1.6: a failing $connect is 502; a timeout 504 (our documented choice).
          reject(timedOut ? 504 : 502, error instanceof Error ? error.message : String(error));
          return;
        }
      }

      if (this.#cluster) {
        // In the directory before the 101, so a post from any node reaches the client
        // as soon as it knows it is connected (posts during $connect answer 410 anyway).
        try {
          await this.#cluster.admit(facts, this.#connecting.get(facts.connectionId) ?? new Set());
        } catch (error) {
          this.#logger.warn({ err: error, connectionId: facts.connectionId }, 'cluster: could not admit a connection');
          reject(503, 'The cluster cannot be reached');
          if (connect) this.#runDisconnect(facts, { code: 1011, reason: 'Cluster unavailable' });
          return;
        }
      }
      socket.off('error', ignore);
      if (socket.destroyed || this.#closing) {
        // $connect accepted a client that is already gone: tell the app, as for any other close.
        if (connect) this.#runDisconnect(facts, { code: 1006, reason: 'Connection closed before it was established' });
        return;
      }
      this.#upgradeHeaders.set(request, safeResponseHeaders(responseHeaders));
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#onOpen(ws, socket, facts, client, requestId, now));
    } finally {
      // ws completes a successful upgrade synchronously, so #onOpen has applied them by now.
      this.#connecting.delete(facts.connectionId);
      this.#cluster?.release(facts.connectionId);
    }
  }

  #onOpen(
    ws: WebSocket,
    socket: Duplex,
    facts: ConnectionFacts,
    client: ClientHandshake,
    requestId: string,
    now: number,
  ): void {
    const connection = new Connection(ws, socket, facts, client.userAgent, this.#connectionEvents);
    this.#connections.set(facts.connectionId, connection);
    this.metrics.connectionOpened();
    this.#log(connectEvent(facts, client.forConnect, requestId, now).requestContext, { status: 200 });
    guardFrameSize(socket, this.settings.maxFrameBytes, connection);
    for (const channel of this.#connecting.get(facts.connectionId) ?? [])
      this.#channelRegistry.add(connection, channel);
    connection.attach();
  }

  #onClose(connection: Connection, code: number, reason: Buffer): void {
    this.#connections.delete(connection.id);
    this.#channelRegistry.removeAll(connection);
    this.#cluster?.closed(connection);
    this.metrics.connectionClosed();
    this.#runDisconnect(connection.facts, connection.closeCause ?? clientCloseCause(code, reason.toString('utf8')));
  }

  /** Spec 1.4: `$disconnect` runs after the close, once; its result and errors are ignored. */
  #runDisconnect(facts: ConnectionFacts, cause: CloseCause): void {
    const now = Date.now();
    const event = disconnectEvent(facts, cause.code, cause.reason, newId(), now);
    const route = this.#routes.disconnect;
    if (!route) {
      this.#log(event.requestContext, { status: 200 });
      return;
    }
    const pending = route.integration.invoke({ event, deadline: now + route.timeoutMs }).then(
      () => this.#log(event.requestContext, { status: 200, integrationLatency: Date.now() - now }),
      (error: unknown) => {
        this.metrics.integrationFailed('$disconnect', error instanceof IntegrationTimeoutError ? 'timeout' : 'error');
        this.#logger.warn({ err: error, connectionId: facts.connectionId }, '$disconnect integration failed');
        this.#log(event.requestContext, { status: 500, 'error.message': String(error) });
      },
    );
    this.#pendingDisconnects.add(pending);
    void pending.finally(() => this.#pendingDisconnects.delete(pending));
  }

  #log(requestContext: RequestContext, extras: Record<string, string | number | undefined>): void {
    this.#accessLog?.write(requestContext, extras);
  }
}

/** A shared no-op listener, so a pending handshake allocates no closure for it. */
function ignore(): void {}

/**
 * `$disconnect` codes and reasons for client-side closes (spec 1.4): 1005 has
 * AWS's documented reason; a client's own reason is passed through; 1006 (no
 * close frame) and other codes without a reason get our documented texts.
 */
function clientCloseCause(code: number, reason: string): CloseCause {
  if (reason) return { code, reason };
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' };
  if (code === 1000) return { code, reason: 'Connection Closed Normally' };
  if (code === 1006) return { code, reason: 'Connection closed abnormally' };
  return { code, reason: '' };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(text);
}
