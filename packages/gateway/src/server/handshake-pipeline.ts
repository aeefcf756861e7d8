/**
 * What happens to a client's upgrade request (spec 1, 3.3, 4, 6), in this order:
 *
 *   upgrade ─▶ draining or fenced? 503 ─▶ stage path? 403 ─▶ valid WebSocket handshake? 400/405
 *           ─▶ connection rate? 429 ─▶ authorizer (401/403/500) ─▶ client still there?
 *           ─▶ $connect (its status, 502, 504) ─▶ cluster directory (503) ─▶ 101
 *           ─▶ ConnectionLifecycle.open()
 *
 * The contract with the app: every `$connect` whose handler succeeded is followed
 * by exactly one `$disconnect`. After the 101 the connection lifecycle keeps it;
 * before, this file does, on every way out:
 *
 *   $connect accepted ─┬─ 101 sent ──────────────────────────▶ lifecycle: $disconnect on close
 *                      ├─ client gone, ws refused, draining ──▶ $disconnect 1006 / 1001 now
 *                      └─ cluster directory unreachable ─────▶ $disconnect 1011 now
 *   $connect timed out, handler still running ─▶ succeeds late ─▶ $disconnect 1006
 *
 * The socket is read while the handshake waits on the authorizer, `$connect` or the
 * cluster (its bytes kept for `ws`), so a client that resets or closes is noticed. Every refusal is counted in the metrics; those
 * with a connection id are written to the access log.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RequestAuthorizer } from '../authorizer/request-authorizer.ts';
import type { ClusterNode } from '../cluster/cluster-node.ts';
import type { CloseCause } from '../connection.ts';
import { type ConnectionFacts, connectEvent, type RequestContext, requestContext } from '../events.ts';
import { newId } from '../ids.ts';
import { type IntegrationResult, IntegrationTimeoutError } from '../integrations/integration.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { startRequestTrace, TraceAttribute } from '../observability/tracing.ts';
import type { CompiledRoute } from '../routing/route-table.ts';
import type { Settings } from '../settings.ts';
import type { TokenBucket } from '../throttle/token-bucket.ts';
import { type ConnectionLifecycle, GOING_AWAY_CLOSE } from './connection-lifecycle.ts';
import { releaseAcceptedSocket } from './dual-protocol-listener.ts';
import { ClientHandshake, rejectHandshake, safeResponseHeaders } from './handshake-facts.ts';
import { checkUpgradeRequest } from './upgrade-request.ts';

export interface HandshakePipelineOptions {
  settings: Settings;
  /** The `$connect` route, if the API has one. */
  connect: CompiledRoute | undefined;
  authorizer: RequestAuthorizer | undefined;
  connectionRate: TokenBucket;
  lifecycle: ConnectionLifecycle;
  /**
   * Connections in their handshake, with the channels subscribed from their
   * `$connect`; shared with the channels, which add to it.
   */
  connecting: Map<string, Set<string>>;
  cluster: ClusterNode | undefined;
  /** `requestContext.domainName`, known once the gateway listens. */
  domainName: () => string;
  /** The port clients connect to (`X-Forwarded-Port`), known once the gateway listens. */
  listenerPort: () => number;
  metrics: GatewayMetrics;
  logger: Logger;
  accessLog: (requestContext: RequestContext, extras: Record<string, string | number | undefined>) => void;
  /** Spans for each handshake's route, authorizer and `$connect` (observability/tracing.ts); none without. */
  tracer: Tracer | undefined;
}

/** Whether a request path is the stage's WebSocket URL (`/{stage}`, with or without a trailing `/`). */
export function isStagePath(path: string, stage: string): boolean {
  return path === `/${stage}` || path === `/${stage}/`;
}

export class HandshakePipeline {
  readonly #options: HandshakePipelineOptions;
  readonly #wss: WebSocketServer;
  /** Headers from `$connect` results, put on the 101 by the `headers` listener. */
  readonly #upgradeHeaders = new WeakMap<IncomingMessage, string[]>();
  /**
   * Handshakes under way, and who waits for them to end (`settled()`): a count, as
   * a set of their promises with a `finally` each cost more promises than the handshake.
   */
  #underWay = 0;
  #onIdle: (() => void)[] = [];
  /** `$connect` handlers still running after their timeout. */
  readonly #late = new Set<Promise<void>>();
  #closing = false;

  constructor(options: HandshakePipelineOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.settings.maxMessageBytes,
      perMessageDeflate: false,
      // Spec 1.6: API Gateway never echoes a subprotocol; only `$connect` can return one (checklist 8, 9).
      handleProtocols: () => false,
    });
    this.#wss.on('headers', (headers: string[], request: IncomingMessage) => {
      const extra = this.#upgradeHeaders.get(request);
      if (extra) headers.push(...extra);
    });
  }

  /** From now on every new handshake is refused with 503 (the gateway drains). */
  stop(): void {
    this.#closing = true;
  }

  /**
   * Resolves once every handshake under way has finished (accepted or refused),
   * and `$connect` handlers still running after their timeout have finished or
   * `lateGraceMs` has passed.
   */
  async settled(lateGraceMs: number): Promise<void> {
    if (this.#underWay > 0) await new Promise<void>((resolve) => this.#onIdle.push(resolve));
    if (this.#late.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#late]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, lateGraceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Takes one upgrade request through the pipeline; the 101 or the refusal comes later. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): void {
    const { settings, metrics, logger } = this.#options;
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    // A cluster node that lost its liveness takes no connection until it has rejoined.
    if (this.#closing || this.#options.cluster?.isServing() === false) {
      rejectHandshake(socket, 503, 'Service Unavailable');
      return;
    }
    // Spec 3.3/9.2: a wrong stage is refused as API Gateway does, with 403.
    if (!isStagePath(path, settings.stage)) {
      rejectHandshake(socket, 403, 'Forbidden');
      return;
    }
    // Before anything of the app runs: what `ws` would refuse never reaches the authorizer or $connect.
    const invalid = checkUpgradeRequest(request);
    if (invalid) {
      metrics.handshakeRejected(invalid.status);
      rejectHandshake(socket, invalid.status, invalid.message, invalid.headers);
      return;
    }
    if (!this.#options.connectionRate.tryTake()) {
      metrics.throttled('connection_rate');
      metrics.handshakeRejected(429);
      rejectHandshake(socket, 429, 'Too Many Requests');
      return;
    }
    this.#underWay++;
    void this.#handshake(request, socket, head, secure).then(this.#ended, (error: unknown) => {
      this.#ended();
      logger.error({ err: error }, 'handshake failed');
      rejectHandshake(socket, 500);
    });
  }

  /** A handshake has ended, accepted or refused (one function for all, not a closure each). */
  readonly #ended = (): void => {
    this.#underWay--;
    if (this.#underWay === 0) for (const resolve of this.#onIdle.splice(0)) resolve();
  };

  async #handshake(request: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean): Promise<void> {
    const { settings, metrics, logger, cluster, lifecycle, connecting } = this.#options;
    // Only a handshake that waits (on the authorizer, `$connect` or the cluster) can see
    // its client leave meanwhile, or let anything subscribe it to a channel; one that
    // does not runs to the 101 in this tick.
    const early =
      this.#options.authorizer || this.#options.connect || cluster ? new EarlyBytes(socket, head) : undefined;
    const now = Date.now();
    const requestId = newId();
    const client = new ClientHandshake(request, secure, this.#options.listenerPort());
    const facts: ConnectionFacts = {
      connectionId: newId(),
      connectedAt: now,
      sourceIp: client.sourceIp,
      stage: settings.stage,
      domainName: this.#options.domainName(),
      apiId: settings.apiId,
      stageVariables: settings.stageVariables,
      authorizer: undefined,
    };
    const connect = this.#options.connect;
    /** Set once `$connect` accepted: from then on a `$disconnect` is owed, with this cause unless the 101 goes out. */
    let owed: CloseCause | undefined;
    const span = startRequestTrace(this.#options.tracer, '$connect', facts.connectionId, requestId);
    /** The status the handshake ended with, for the route span (499: the client left first, as nginx logs it). */
    let status = 101;
    /** `$context.integrationStatus` and `integrationLatency` of the CONNECT access-log line. */
    let integration: Record<string, number> = {};
    // Channel subscriptions made during $connect wait here until the connection opens.
    if (early) connecting.set(facts.connectionId, new Set());
    try {
      const authorizer = this.#options.authorizer;
      if (authorizer) {
        const started = Date.now();
        const outcome = await (span
          ? span.step('authorizer', () => authorizer.authorize(facts, client.full, requestId, now))
          : authorizer.authorize(facts, client.full, requestId, now));
        const latency = Date.now() - started;
        if (!outcome.allowed) {
          status = this.#refuse(socket, facts, requestId, now, outcome.status, outcome.reason, {
            'authorizer.latency': latency,
            'authorize.status': outcome.status,
          });
          return;
        }
        facts.authorizer = outcome.authorizer;
      }
      // A client that left during the authorizer gets no $connect (nothing to pair).
      if (isGone(socket)) {
        metrics.clientError('reset');
        status = 499;
        return;
      }

      let responseHeaders: Record<string, string> | undefined;
      if (connect) {
        const event = connectEvent(facts, client.forConnect, requestId, now);
        const started = Date.now();
        try {
          const invocation = { event, deadline: started + connect.timeoutMs };
          const result = await (span
            ? span.step('integration', () => connect.integration.invoke(invocation))
            : connect.integration.invoke(invocation));
          metrics.integrationObserved('$connect', (Date.now() - started) / 1000);
          const returned = result.statusCode ?? 200;
          integration = { integrationStatus: returned, integrationLatency: Date.now() - started };
          if (!isFinalStatus(returned)) {
            // Not an answer HTTP can give (`1000`, `-1`, `200.5`, an interim `101`): a malformed
            // proxy result, which API Gateway answers with 502 as any failed integration.
            metrics.integrationFailed('$connect', 'error');
            const reason = `$connect returned statusCode ${returned}, not an HTTP status from 200 to 599`;
            logger.warn({ connectionId: facts.connectionId, requestId }, reason);
            status = this.#refuse(socket, facts, requestId, now, 502, reason, integration);
            return;
          }
          // Spec 1.6: a non-2xx status from $connect becomes the handshake's status.
          if (!isSuccess(returned)) {
            status = this.#refuse(
              socket,
              facts,
              requestId,
              now,
              returned,
              `$connect returned ${returned}`,
              integration,
            );
            return;
          }
          responseHeaders = result.headers;
          owed = NEVER_ESTABLISHED;
        } catch (error) {
          const timedOut = error instanceof IntegrationTimeoutError;
          metrics.integrationFailed('$connect', timedOut ? 'timeout' : 'error');
          logger.warn({ err: error, connectionId: facts.connectionId, requestId }, '$connect integration failed');
          if (timedOut && error.late) this.#awaitLateConnect(error.late, facts);
          // Spec 1.6: a failing $connect is 502; a timeout 504 (our documented choice).
          const reason = error instanceof Error ? error.message : String(error);
          status = this.#refuse(socket, facts, requestId, now, timedOut ? 504 : 502, reason, {
            integrationLatency: Date.now() - started,
          });
          return;
        }
      }

      if (cluster) {
        // In the directory before the 101, so a post from any node reaches the client
        // as soon as it knows it is connected (posts during $connect answer 410 anyway).
        try {
          await cluster.admit(facts, connecting.get(facts.connectionId) ?? new Set());
        } catch (error) {
          logger.warn({ err: error, connectionId: facts.connectionId }, 'cluster: could not admit a connection');
          if (owed) owed = CLUSTER_UNAVAILABLE;
          status = this.#refuse(socket, facts, requestId, now, 503, 'The cluster cannot be reached');
          return;
        }
      }
      // $connect accepted a client that is already gone: it gets its $disconnect below.
      if (isGone(socket)) {
        status = 499;
        return;
      }
      if (this.#closing) {
        if (owed) owed = GOING_AWAY_CLOSE;
        status = this.#refuse(socket, facts, requestId, now, 503, 'The gateway is shutting down');
        return;
      }
      if (responseHeaders) this.#upgradeHeaders.set(request, safeResponseHeaders(responseHeaders));
      let bytes = head;
      if (early) {
        bytes = early.stop();
        // `ws` puts its own error listener on the socket.
        socket.off('error', ignore);
      }
      let opened = false;
      this.#wss.handleUpgrade(request, socket, bytes, (ws) => {
        opened = true;
        this.#onOpen(ws, socket, facts, client, requestId, now, integration);
      });
      // `ws` completes or refuses an upgrade synchronously; without the callback it refused.
      if (opened) owed = undefined;
    } finally {
      early?.stop();
      // The channels subscribed during $connect were applied by #onOpen, if it ran.
      if (early) connecting.delete(facts.connectionId);
      cluster?.release(facts.connectionId);
      if (owed) lifecycle.runDisconnect(facts, owed);
      span?.end(
        status,
        integration.integrationStatus === undefined
          ? {}
          : { [TraceAttribute.integrationStatus]: integration.integrationStatus },
      );
    }
  }

  /** Refuses the handshake with `status`, counted and in the access log; returns `status`. */
  #refuse(
    socket: Duplex,
    facts: ConnectionFacts,
    requestId: string,
    now: number,
    status: number,
    reason: string,
    extras: Record<string, string | number> = {},
  ): number {
    this.#options.metrics.handshakeRejected(status);
    this.#options.accessLog(requestContext(facts, '$connect', 'CONNECT', requestId, now), {
      status,
      'error.message': reason,
      ...extras,
    });
    rejectHandshake(socket, status);
    return status;
  }

  /**
   * A `$connect` that timed out may still succeed (an inline handler cannot be
   * stopped): then the app has admitted a connection that never opened, and gets
   * its `$disconnect`. `close()` waits for these for a short while.
   */
  #awaitLateConnect(late: Promise<IntegrationResult>, facts: ConnectionFacts): void {
    const pending = late.then((result) => {
      if (isSuccess(result.statusCode ?? 200)) this.#options.lifecycle.runDisconnect(facts, NEVER_ESTABLISHED);
    }, ignore);
    this.#late.add(pending);
    void pending.finally(() => this.#late.delete(pending));
  }

  #onOpen(
    ws: WebSocket,
    socket: Duplex,
    facts: ConnectionFacts,
    client: ClientHandshake,
    requestId: string,
    now: number,
    integration: Record<string, number>,
  ): void {
    const { lifecycle, connecting, accessLog } = this.#options;
    lifecycle.open(ws, socket, facts, client.userAgent, connecting.get(facts.connectionId) ?? []);
    releaseAcceptedSocket(socket);
    accessLog(requestContext(facts, '$connect', 'CONNECT', requestId, now), { status: 200, ...integration });
  }
}

/** `$disconnect` of a connection `$connect` accepted but that never opened (spec 1.4 gives no code for it). */
export const NEVER_ESTABLISHED: CloseCause = { code: 1006, reason: 'Connection closed before it was established' };
/** `$disconnect` of a connection `$connect` accepted but the cluster directory could not record. */
const CLUSTER_UNAVAILABLE: CloseCause = { code: 1011, reason: 'Cluster unavailable' };

/**
 * Bytes a client may send after its upgrade request and before the 101. RFC 6455
 * 4.1 says it must wait for the answer; a little is kept for `ws` (lenient), more
 * ends the connection.
 */
const MAX_EARLY_BYTES = 16 * 1024;

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

/** A final HTTP status a handshake can end with (1xx are interim answers, not ends). */
function isFinalStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

/** Whether the client closed, reset or half-closed its connection. */
function isGone(socket: Duplex): boolean {
  return socket.destroyed || !socket.readable || !socket.writable;
}

/**
 * Reads the socket while the handshake waits on the authorizer and `$connect`, so a
 * close or reset is noticed (a paused socket sees neither), and keeps its errors
 * from escaping. `stop()` hands back the bytes read, after `head`, for `ws`: it
 * must be followed, in the same tick, by whatever reads the socket next (`ws`
 * adds its listener synchronously), or by the end of the socket.
 */
class EarlyBytes {
  readonly #socket: Duplex;
  #bytes: Buffer;
  /** The `data` listener while watching; none once stopped. */
  #onData: ((chunk: Buffer) => void) | undefined;

  constructor(socket: Duplex, head: Buffer) {
    this.#socket = socket;
    this.#bytes = head;
    this.#onData = this.#keep.bind(this);
    socket.on('error', ignore);
    socket.on('data', this.#onData);
  }

  stop(): Buffer {
    if (this.#onData) {
      this.#socket.off('data', this.#onData);
      this.#onData = undefined;
    }
    return this.#bytes;
  }

  #keep(chunk: Buffer): void {
    if (this.#bytes.length + chunk.length > MAX_EARLY_BYTES) {
      this.#socket.destroy();
      return;
    }
    this.#bytes = Buffer.concat([this.#bytes, chunk]);
  }
}

/** A shared no-op listener, so a pending handshake allocates no closure for it. */
function ignore(): void {}
