/**
 * A chat store whose every call is an OpenTelemetry span, `store <method>`, with
 * the database system and operation as attributes (OpenTelemetry's database
 * conventions: `db.system.name`, `db.operation.name`). Called from a handler, the
 * span is a child of the gateway's `integration <routeKey>` span (the context is
 * carried by async context), so a trace shows which route made which calls.
 *
 * Only the server wraps its store, and only when it was given a tracer: an
 * untraced server calls the store directly.
 */
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ChatStore } from '../ports/chat-store.ts';

/** `db.system.name` of each adapter, as OpenTelemetry names them. */
export const StoreSystem = {
  sqlite: 'sqlite',
  postgres: 'postgresql',
  dynamodb: 'aws.dynamodb',
} as const;
export type StoreSystem = (typeof StoreSystem)[keyof typeof StoreSystem];

/** Lifecycle calls, not requests: no span. */
const UNTRACED = new Set<PropertyKey>(['close', 'constructor']);

/**
 * Returns a view of `store` (same prototype, so `instanceof` still holds) whose
 * methods run in spans. Methods run on the store itself, so private fields work.
 *
 * @example
 * const store = traceChatStore(await PostgresChatStore.open(options), tracer, StoreSystem.postgres);
 */
export function traceChatStore<S extends ChatStore>(store: S, tracer: Tracer, system: StoreSystem): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        // Bound in any case: the adapters keep their state in private fields, which a proxy does not have.
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        method = typeof property === 'string' && !UNTRACED.has(property) ? traced(bound, property) : bound;
        wrapped.set(property, method);
      }
      return method;
    },
  });

  function traced(method: (...args: unknown[]) => unknown, operation: string): (...args: unknown[]) => unknown {
    const name = `store ${operation}`;
    const options = { kind: SpanKind.CLIENT, attributes: { 'db.system.name': system, 'db.operation.name': operation } };
    return (...args) =>
      tracer.startActiveSpan(name, options, (span) => {
        let result: unknown;
        try {
          result = method(...args);
        } catch (error) {
          endFailed(span, error);
          throw error;
        }
        if (!(result instanceof Promise)) {
          span.end();
          return result;
        }
        return result.then(
          (answer) => {
            span.end();
            return answer;
          },
          (error: unknown) => {
            endFailed(span, error);
            throw error;
          },
        );
      });
  }
}

function endFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
