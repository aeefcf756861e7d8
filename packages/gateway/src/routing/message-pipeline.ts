/**
 * What happens to a client's message (spec 2, 4, 5, 1.6), in this order:
 *
 *   frame ─▶ binary? close 1003 ─▶ route selection (none: Forbidden frame)
 *         ─▶ route throttle (Too Many Requests frame) ─▶ request model (Invalid request body frame)
 *         ─▶ integration, within its timeout ─▶ route response on two-way routes
 *                                              (error: Internal server error / Endpoint request timed out)
 *
 * Every outcome is counted in the metrics and written to the access log.
 */
import type { Logger } from 'pino';
import type { Connection } from '../connection.ts';
import { ErrorFrameMessage, errorFrame } from '../error-frames.ts';
import { messageEvent, type RequestContext, type WebSocketEvent } from '../events.ts';
import { newId } from '../ids.ts';
import { IntegrationTimeoutError } from '../integrations/integration.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { Outbound } from '../server/outbound.ts';
import type { CompiledRoute, RouteTable } from './route-table.ts';

export interface MessagePipelineOptions {
  routes: RouteTable;
  outbound: Outbound;
  metrics: GatewayMetrics;
  logger: Logger;
  accessLog: (requestContext: RequestContext, extras: Record<string, string | number | undefined>) => void;
}

export class MessagePipeline {
  readonly #routes: RouteTable;
  readonly #outbound: Outbound;
  readonly #metrics: GatewayMetrics;
  readonly #logger: Logger;
  readonly #accessLog: MessagePipelineOptions['accessLog'];

  constructor({ routes, outbound, metrics, logger, accessLog }: MessagePipelineOptions) {
    this.#routes = routes;
    this.#outbound = outbound;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#accessLog = accessLog;
  }

  /** Takes one client frame through the pipeline; the integration's answer arrives later. */
  receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    if (!connection.open) return;
    if (isBinary) {
      // Spec 4: binary frames are not supported and close the connection with 1003.
      connection.closeBy({ code: 1003, reason: 'Binary frames are not supported' });
      return;
    }
    const now = Date.now();
    connection.lastActiveAt = now;
    const body = data.toString('utf8');
    const requestId = newId();
    const facts = connection.facts;
    const route = this.#routes.select(body);
    const routeKey = route?.key ?? '$default';
    this.#metrics.messageIn(routeKey);
    const event = messageEvent(facts, routeKey, body, requestId, newId(), now);
    if (!route) {
      this.#sendErrorFrame(connection, ErrorFrameMessage.forbidden, requestId);
      this.#accessLog(event.requestContext, { status: 403, 'error.message': ErrorFrameMessage.forbidden });
      return;
    }
    if (route.throttle && !route.throttle.tryTake(now)) {
      this.#metrics.throttled('route');
      this.#sendErrorFrame(connection, ErrorFrameMessage.tooManyRequests, requestId);
      this.#accessLog(event.requestContext, { status: 429, 'error.message': ErrorFrameMessage.tooManyRequests });
      return;
    }
    if (route.validate) {
      const verdict = route.validate(body);
      if (!verdict.valid) {
        this.#sendErrorFrame(connection, ErrorFrameMessage.invalidRequestBody, requestId);
        this.#accessLog(event.requestContext, {
          status: 400,
          'error.message': ErrorFrameMessage.invalidRequestBody,
          'error.validationErrorString': verdict.error,
        });
        return;
      }
    }
    void this.#invoke(connection, route, event, now);
  }

  async #invoke(connection: Connection, route: CompiledRoute, event: WebSocketEvent, started: number): Promise<void> {
    const requestId = event.requestContext.requestId;
    try {
      const result = await route.integration.invoke({ event, deadline: started + route.timeoutMs });
      const latency = Date.now() - started;
      this.#metrics.integrationObserved(route.key, latency / 1000);
      // Spec 1.6: only two-way routes send the result back; its statusCode does not make it an error.
      if (route.routeResponse && result.body !== undefined && this.#outbound.send(connection, result.body)) {
        connection.lastActiveAt = Date.now();
        this.#metrics.messageOut('route_response');
      }
      this.#accessLog(event.requestContext, {
        status: 200,
        integrationLatency: latency,
        integrationStatus: result.statusCode ?? 200,
      });
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
      this.#accessLog(event.requestContext, { status: timedOut ? 504 : 500, 'error.message': message });
    }
  }

  #sendErrorFrame(connection: Connection, message: ErrorFrameMessage, requestId: string): void {
    if (this.#outbound.send(connection, errorFrame(message, connection.id, requestId))) {
      this.#metrics.messageOut('error_frame');
    }
  }
}
