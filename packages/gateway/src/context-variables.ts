/**
 * `$context` variables (spec 8): the names access-log formats, mapping templates
 * and request parameters use, resolved against an event's `requestContext` plus
 * facts known only to the gateway (status, latencies, error messages).
 */
import type { RequestContext } from './events.ts';

/** Facts beyond the event, keyed by their `$context` name without the prefix, e.g. `status`, `error.message`. */
export type ContextExtras = Record<string, string | number | undefined>;

/**
 * Resolves a `$context` variable name (without `$context.`), e.g. `connectionId`,
 * `identity.sourceIp`, `authorizer.principalId`. Unknown names give `undefined`.
 */
export function contextVariable(
  requestContext: RequestContext,
  name: string,
  extras: ContextExtras = {},
): string | undefined {
  const extra = extras[name];
  if (extra !== undefined) return String(extra);
  let current: unknown = requestContext;
  for (const segment of name.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined || current === null || typeof current === 'object') return undefined;
  return String(current);
}
