/**
 * OpenTelemetry spans of the gateway, one trace per request:
 *
 *   route $connect ─┬─ authorizer
 *                   └─ integration $connect ─ (the app's own spans, e.g. store calls)
 *   route sendMessage ── integration sendMessage ─ ...
 *   route $disconnect ── integration $disconnect ─ ...
 *
 * The route span covers what API Gateway's access log covers for the request
 * (selection, throttle, model, integration) and ends with the same status. Children
 * run with their parent as the active context, so spans an in-process handler
 * starts (through `@opentelemetry/api`) become children of the integration span.
 *
 * Without a tracer nothing here runs: the pipelines hold `undefined` and skip it
 * with one `?.`, so an untraced gateway pays nothing (docs/operations.md, "Tracing").
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';

/** Attribute names of the gateway's spans. */
export const TraceAttribute = {
  routeKey: 'switchboard.route_key',
  connectionId: 'switchboard.connection_id',
  requestId: 'switchboard.request_id',
  /** The request's status as the access log records it (`$context.status`). */
  status: 'switchboard.status',
  /** What the integration answered (`$context.integrationStatus`). */
  integrationStatus: 'switchboard.integration_status',
} as const;

/** Starts the route span of one request; `undefined` tracer means no tracing. */
export function startRequestTrace(
  tracer: Tracer | undefined,
  routeKey: string,
  connectionId: string,
  requestId: string,
): RequestTrace | undefined {
  if (tracer === undefined) return undefined;
  return new RequestTrace(tracer, routeKey, connectionId, requestId);
}

/**
 * One request's route span and the child spans it runs its steps in.
 *
 * @example
 * const span = startRequestTrace(tracer, '$connect', connectionId, requestId);
 * const outcome = span ? await span.step('authorizer', () => authorize()) : await authorize();
 * span?.end(200);
 */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context;
  readonly #routeKey: string;

  constructor(tracer: Tracer, routeKey: string, connectionId: string, requestId: string) {
    this.#tracer = tracer;
    this.#routeKey = routeKey;
    this.#span = tracer.startSpan(`route ${routeKey}`, {
      kind: SpanKind.SERVER,
      attributes: {
        [TraceAttribute.routeKey]: routeKey,
        [TraceAttribute.connectionId]: connectionId,
        [TraceAttribute.requestId]: requestId,
      },
    });
    this.#context = trace.setSpan(context.active(), this.#span);
  }

  /** Runs `work` in a child span named `name` (with `work`'s spans below it); a rejection marks the span as an error. */
  async step<T>(name: 'authorizer' | 'integration', work: () => Promise<T>): Promise<T> {
    const spanName = name === 'integration' ? `integration ${this.#routeKey}` : name;
    const span = this.#tracer.startSpan(
      spanName,
      { attributes: { [TraceAttribute.routeKey]: this.#routeKey } },
      this.#context,
    );
    try {
      return await context.with(trace.setSpan(this.#context, span), work);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Ends the route span with the access log's status; 5xx marks it as an error. */
  end(status: number, attributes: Attributes = {}): void {
    this.#span.setAttributes({ [TraceAttribute.status]: status, ...attributes });
    if (status >= 500) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    this.#span.end();
  }
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
