/**
 * The life of an established connection, from the 101 to its `$disconnect`:
 *
 *   open() ─▶ Connection in the table, frame guard, channels from $connect ─▶ events flow
 *   socket close ─▶ out of the table and channels ─▶ runDisconnect() (once)
 *   drain() ─▶ close 1001 to every connection ─▶ wait for their $disconnect
 *   cutOff() ─▶ drop every connection at once (a cluster node that lost its liveness)
 *
 * In a cluster, `runDisconnect` first asks the cluster whether this node runs the
 * `$disconnect` (a survivor may have run it for a node that lost its liveness).
 *
 * `runDisconnect` is also how other parts report a connection that ended without
 * a socket of this process closing: one accepted by `$connect` whose client was
 * gone before the 101, or a stopped cluster node's connection.
 */
import type { Duplex } from 'node:stream';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { ChannelRegistry } from '../channels/channel-registry.ts';
import { type CloseCause, Connection, type ConnectionEvents } from '../connection.ts';
import { type ConnectionFacts, disconnectEvent, type RequestContext } from '../events.ts';
import { newId } from '../ids.ts';
import { type IntegrationResult, IntegrationTimeoutError } from '../integrations/integration.ts';
import { type FrameLimits, guardFrameSize } from '../limits/frame-guard.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { startRequestTrace, TraceAttribute } from '../observability/tracing.ts';
import type { MessagePipeline } from '../routing/message-pipeline.ts';
import type { CompiledRoute } from '../routing/route-table.ts';

export interface ConnectionLifecycleOptions {
  /** The `$disconnect` route, if the API has one. */
  disconnect: CompiledRoute | undefined;
  messages: MessagePipeline;
  registry: ChannelRegistry;
  /** API Gateway's frame and message sizes (spec 4), one object for every connection. */
  frameLimits: FrameLimits;
  metrics: GatewayMetrics;
  logger: Logger;
  accessLog: (requestContext: RequestContext, extras: Record<string, string | number | undefined>) => void;
  /**
   * In a cluster: whether this node runs the `$disconnect` of a connection that ended
   * here (exactly one node does). Without it, this node always does.
   */
  owesDisconnect?: (connectionId: string) => Promise<boolean>;
  /** In a cluster: false once the node has lost its liveness; its connections' messages are not served then. */
  serving?: () => boolean;
  /** Spans for each `$disconnect` (observability/tracing.ts); none without. */
  tracer?: Tracer;
}

/** Clients that do not answer the close frame of a drain are cut off after this long. */
const DRAIN_GRACE_MS = 2000;

/** The close a drain sends: clients reconnect (elsewhere, in a cluster). */
export const GOING_AWAY_CLOSE: CloseCause = { code: 1001, reason: 'Going away' };

export class ConnectionLifecycle {
  /** Open connections of this process, by id. */
  readonly connections = new Map<string, Connection>();
  readonly #options: ConnectionLifecycleOptions;
  readonly #pendingDisconnects = new Set<Promise<void>>();
  /** Cluster decisions of who runs a `$disconnect`, under way (they may wait for Redis). */
  readonly #pendingDecisions = new Set<Promise<void>>();
  /** One listener target for every connection's socket events (no per-connection closures). */
  readonly #events: ConnectionEvents;

  constructor(options: ConnectionLifecycleOptions) {
    this.#options = options;
    const serving = options.serving;
    this.#events = {
      message: serving
        ? (connection, data, isBinary) => {
            if (serving()) options.messages.receive(connection, data, isBinary);
          }
        : (connection, data, isBinary) => options.messages.receive(connection, data, isBinary),
      close: (connection, code, reason) => this.#onClose(connection, code, reason),
    };
  }

  /** Makes an upgraded socket a connection, subscribed to the channels its `$connect` chose. */
  open(ws: WebSocket, socket: Duplex, facts: ConnectionFacts, userAgent: string, channels: Iterable<string>): void {
    const connection = new Connection(ws, socket, facts, userAgent, this.#events);
    this.connections.set(facts.connectionId, connection);
    this.#options.metrics.connectionOpened();
    guardFrameSize(socket, this.#options.frameLimits, connection);
    for (const channel of channels) this.#options.registry.add(connection, channel);
    connection.attach();
  }

  /** Spec 1.4: `$disconnect` runs after the close, once; its result and errors are ignored. */
  runDisconnect(facts: ConnectionFacts, cause: CloseCause): void {
    const owes = this.#options.owesDisconnect;
    if (owes === undefined) {
      void this.invokeDisconnect(facts, cause);
      return;
    }
    const decided = owes(facts.connectionId).then((owed) => {
      if (owed) void this.invokeDisconnect(facts, cause);
    });
    this.#pendingDecisions.add(decided);
    void decided.finally(() => this.#pendingDecisions.delete(decided));
  }

  /** Runs `$disconnect` whose owner is settled (this node); resolves once its handler has finished. */
  invokeDisconnect(facts: ConnectionFacts, cause: CloseCause): Promise<void> {
    const now = Date.now();
    const event = disconnectEvent(facts, cause.code, cause.reason, newId(), now);
    const route = this.#options.disconnect;
    if (!route) {
      this.#options.accessLog(event.requestContext, { status: 200 });
      return Promise.resolve();
    }
    const { metrics, logger, accessLog, tracer } = this.#options;
    const span = startRequestTrace(tracer, '$disconnect', facts.connectionId, event.requestContext.requestId);
    const invoke = (): Promise<IntegrationResult> =>
      route.integration.invoke({ event, deadline: now + route.timeoutMs });
    const pending = (span ? span.step('integration', invoke) : invoke()).then(
      (result) => {
        const integrationStatus = result.statusCode ?? 200;
        accessLog(event.requestContext, { status: 200, integrationLatency: Date.now() - now, integrationStatus });
        span?.end(200, { [TraceAttribute.integrationStatus]: integrationStatus });
      },
      (error: unknown) => {
        metrics.integrationFailed('$disconnect', error instanceof IntegrationTimeoutError ? 'timeout' : 'error');
        logger.warn({ err: error, connectionId: facts.connectionId }, '$disconnect integration failed');
        accessLog(event.requestContext, {
          status: 500,
          integrationLatency: Date.now() - now,
          'error.message': String(error),
        });
        span?.end(500);
      },
    );
    this.#pendingDisconnects.add(pending);
    void pending.finally(() => this.#pendingDisconnects.delete(pending));
    return pending;
  }

  /**
   * Closes every connection with `cause` (a close frame; clients that do not answer
   * it are cut off after a grace period) and waits until all have left the table
   * and their `$disconnect` handlers have finished.
   */
  async drain(cause: CloseCause = GOING_AWAY_CLOSE): Promise<void> {
    for (const connection of this.connections.values()) connection.closeBy(cause);
    const grace = setTimeout(() => {
      for (const connection of this.connections.values()) connection.socket.terminate();
    }, DRAIN_GRACE_MS);
    await this.#emptied();
    clearTimeout(grace);
  }

  /**
   * Drops every connection at once, without a closing handshake (clients see 1006,
   * as when a node dies), remembering `cause` for their `$disconnect`; resolves once
   * all have left the table.
   */
  async cutOff(cause: CloseCause): Promise<void> {
    for (const connection of this.connections.values()) connection.terminateBy(cause);
    await this.#emptied();
  }

  /** Resolves once every `$disconnect` asked for so far is decided and has finished. */
  async disconnectsSettled(): Promise<void> {
    await Promise.allSettled([...this.#pendingDecisions]);
    await Promise.allSettled([...this.#pendingDisconnects]);
  }

  /** Waits until the table is empty and the `$disconnect`s started meanwhile have finished. */
  async #emptied(): Promise<void> {
    while (this.connections.size > 0 || this.#pendingDisconnects.size > 0) {
      await Promise.race([...this.#pendingDisconnects, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  #onClose(connection: Connection, code: number, reason: Buffer): void {
    this.connections.delete(connection.id);
    this.#options.messages.closed(connection);
    this.#options.registry.removeAll(connection);
    this.#options.metrics.connectionClosed();
    this.runDisconnect(connection.facts, connection.closeCause ?? clientCloseCause(code, reason.toString('utf8')));
  }
}

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
