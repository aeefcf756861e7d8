/**
 * What happens to a client's message (spec 2, 4, 5, 1.6), in this order:
 *
 *   frame ─▶ a free slot? (else it waits, and the socket is not read) ─▶ binary? close 1003
 *         ─▶ route selection (none: Forbidden frame)
 *         ─▶ route throttle (Too Many Requests frame) ─▶ request model (Invalid request body frame)
 *         ─▶ integration, within its timeout ─▶ route response on two-way routes, up to 128 KB
 *                                              (error: Internal server error / Endpoint request timed out)
 *
 * Flow control: a connection has at most `maxInFlight` integration calls running.
 * A message that finds them all taken waits in the connection's queue and the
 * socket is paused: no more bytes are read from it (TCP then slows the client
 * down) until a call finishes. The queue holds only what was already read, at
 * most one socket read's worth, so a flood costs bounded memory.
 *
 * Every outcome is counted in the metrics and written to the access log.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Connection } from '../connection.ts';
import { ErrorFrameMessage, errorFrame } from '../error-frames.ts';
import { messageEvent, type RequestContext, type WebSocketEvent } from '../events.ts';
import { newId } from '../ids.ts';
import { IntegrationTimeoutError } from '../integrations/integration.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { type RequestTrace, startRequestTrace, TraceAttribute } from '../observability/tracing.ts';
import type { Outbound } from '../server/outbound.ts';
import { MAX_OUTBOUND_MESSAGE_BYTES } from '../settings.ts';
import type { CompiledRoute, RouteTable } from './route-table.ts';

export interface MessagePipelineOptions {
  routes: RouteTable;
  /** Integration calls one connection may have running (`limits.maxInFlightPerConnection`). */
  maxInFlight: number;
  outbound: Outbound;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Writes the access-log line of a message; `body` is the message, for the developer page. */
  accessLog: (
    requestContext: RequestContext,
    extras: Record<string, string | number | undefined>,
    body: string | undefined,
  ) => void;
  /** Spans for each message's route and integration (observability/tracing.ts); none without. */
  tracer: Tracer | undefined;
}

export class MessagePipeline {
  readonly #routes: RouteTable;
  readonly #maxInFlight: number;
  readonly #outbound: Outbound;
  readonly #metrics: GatewayMetrics;
  readonly #logger: Logger;
  readonly #accessLog: MessagePipelineOptions['accessLog'];
  readonly #tracer: Tracer | undefined;

  constructor({ routes, maxInFlight, outbound, metrics, logger, accessLog, tracer }: MessagePipelineOptions) {
    this.#routes = routes;
    this.#maxInFlight = maxInFlight;
    this.#outbound = outbound;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#accessLog = accessLog;
    this.#tracer = tracer;
  }

  /** Takes one client frame through the pipeline (or queues it); the integration's answer arrives later. */
  receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (!connection.open) return;
    // In order: behind the messages already waiting, or when every slot is taken.
    if (connection.waiting !== null || connection.inFlight >= this.#maxInFlight) {
      this.#wait(connection, data, isBinary);
      return;
    }
    this.#handle(connection, data, isBinary);
  }

  /** The connection closed: its waiting messages are dropped (no one would get their answers). */
  closed(connection: Connection): void {
    const waiting = connection.waiting;
    if (waiting === null) return;
    connection.waiting = null;
    this.#metrics.messagesWaiting(-waiting.length);
  }

  #wait(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (connection.waiting === null) {
      connection.waiting = [];
      // Stop reading: what the client sends next stays in the kernel, then in its own buffers.
      connection.socket.pause();
    }
    connection.waiting.push({ data, isBinary });
    this.#metrics.messagesWaiting(1);
  }

  /** A call finished: start waiting messages while slots are free, and read the socket again once none wait. */
  #release(connection: Connection): void {
    connection.inFlight--;
    this.#metrics.integrationsInFlight(-1);
    const waiting = connection.waiting;
    if (waiting === null) return;
    while (connection.open && connection.inFlight < this.#maxInFlight && waiting.length > 0) {
      const next = waiting.shift() as { data: Buffer; isBinary: boolean };
      this.#metrics.messagesWaiting(-1);
      this.#handle(connection, next.data, next.isBinary);
    }
    if (!connection.open) {
      this.closed(connection);
    } else if (waiting.length === 0) {
      connection.waiting = null;
      connection.socket.resume();
    }
  }

  #handle(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      // Spec 4: binary frames are not supported and close the connection with 1003.
      connection.closeBy({ code: 1003, reason: 'Binary frames are not supported' });
      return;
    }
    const now = Date.now();
    connection.lastActiveAt = now;
    const body = data.toString('utf8');
    const requestId = newId();
    try {
      this.#dispatch(connection, body, requestId, now);
    } catch (error) {
      // No client's message may end the process: one that breaks a step of the gateway's
      // own (selecting its route, checking its model) fails alone, as an integration would.
      this.#logger.warn({ err: error, connectionId: connection.id, requestId }, 'message could not be handled');
      this.#sendErrorFrame(connection, ErrorFrameMessage.internalServerError, requestId);
    }
  }

  /** Selects the message's route, checks it and starts the integration; the answer comes later. */
  #dispatch(connection: Connection, body: string, requestId: string, now: number): void {
    const facts = connection.facts;
    const route = this.#routes.select(body);
    const routeKey = route?.key ?? '$default';
    this.#metrics.messageIn(routeKey);
    const event = messageEvent(facts, routeKey, body, requestId, newId(), now);
    const span = startRequestTrace(this.#tracer, routeKey, connection.id, requestId);
    if (!route) {
      this.#sendErrorFrame(connection, ErrorFrameMessage.forbidden, requestId);
      this.#accessLog(event.requestContext, { status: 403, 'error.message': ErrorFrameMessage.forbidden }, body);
      span?.end(403);
      return;
    }
    if (route.throttle && !route.throttle.tryTake(now)) {
      this.#metrics.throttled('route');
      this.#sendErrorFrame(connection, ErrorFrameMessage.tooManyRequests, requestId);
      this.#accessLog(event.requestContext, { status: 429, 'error.message': ErrorFrameMessage.tooManyRequests }, body);
      span?.end(429);
      return;
    }
    if (route.validate) {
      const verdict = route.validate(body);
      if (!verdict.valid) {
        this.#sendErrorFrame(connection, ErrorFrameMessage.invalidRequestBody, requestId);
        this.#accessLog(
          event.requestContext,
          {
            status: 400,
            'error.message': ErrorFrameMessage.invalidRequestBody,
            'error.validationErrorString': verdict.error,
          },
          body,
        );
        span?.end(400);
        return;
      }
    }
    connection.inFlight++;
    this.#metrics.integrationsInFlight(1);
    void this.#invoke(connection, route, event, now, span).finally(() => this.#release(connection));
  }

  async #invoke(
    connection: Connection,
    route: CompiledRoute,
    event: WebSocketEvent,
    started: number,
    span: RequestTrace | undefined,
  ): Promise<void> {
    const requestId = event.requestContext.requestId;
    const invocation = { event, deadline: started + route.timeoutMs };
    try {
      const result = await (span
        ? span.step('integration', () => route.integration.invoke(invocation))
        : route.integration.invoke(invocation));
      const latency = Date.now() - started;
      this.#metrics.integrationObserved(route.key, latency / 1000);
      // Spec 1.6: only two-way routes send the result back; its statusCode does not make it an error.
      if (route.routeResponse && result.body !== undefined) {
        const size = Buffer.byteLength(result.body);
        if (size > MAX_OUTBOUND_MESSAGE_BYTES) {
          // Spec 4: no message to a client may exceed 128 KB, so AWS cannot deliver this one either.
          throw new RouteResponseTooLargeError(size);
        }
        if (this.#outbound.send(connection, result.body)) {
          connection.lastActiveAt = Date.now();
          this.#metrics.messageOut('route_response');
        }
      }
      const integrationStatus = result.statusCode ?? 200;
      if (!route.routeResponse && integrationStatus >= 500) {
        // The client sees nothing (spec 1.6: a one-way route drops the result), so the log says it.
        this.#logger.warn(
          { connectionId: connection.id, requestId, routeKey: route.key, statusCode: integrationStatus },
          'one-way route returned an error status',
        );
      }
      this.#accessLog(
        event.requestContext,
        { status: 200, integrationLatency: latency, integrationStatus },
        event.body,
      );
      span?.end(200, { [TraceAttribute.integrationStatus]: integrationStatus });
    } catch (error) {
      const timedOut = error instanceof IntegrationTimeoutError;
      this.#metrics.integrationFailed(route.key, timedOut ? 'timeout' : 'error');
      if (!timedOut)
        this.#logger.warn(
          { err: error, connectionId: connection.id, requestId, routeKey: route.key },
          'integration failed',
        );
      const message = timedOut ? ErrorFrameMessage.endpointTimedOut : ErrorFrameMessage.internalServerError;
      // Spec 1.6: the error frame arrives on one-way routes too (checklist 43).
      this.#sendErrorFrame(connection, message, requestId);
      this.#accessLog(event.requestContext, { status: timedOut ? 504 : 500, 'error.message': message }, event.body);
      span?.end(timedOut ? 504 : 500);
    }
  }

  #sendErrorFrame(connection: Connection, message: ErrorFrameMessage, requestId: string): void {
    if (this.#outbound.send(connection, errorFrame(message, connection.id, requestId))) {
      this.#metrics.messageOut('error_frame');
    }
  }
}

/** A route response over API Gateway's 128 KB message quota: answered as an integration error. */
class RouteResponseTooLargeError extends Error {
  constructor(size: number) {
    super(`The route response is ${size} bytes, over the ${MAX_OUTBOUND_MESSAGE_BYTES}-byte message limit`);
    this.name = 'RouteResponseTooLargeError';
  }
}
