/**
 * Identity sources of a REQUEST authorizer (spec 6): when any is missing or empty
 * the handshake is refused with 401 and the authorizer is not invoked.
 */
import type { HandshakeFacts } from '../events.ts';

export function firstMissingIdentitySource(
  sources: readonly string[],
  handshake: HandshakeFacts,
  stageVariables: Record<string, string> | undefined,
): string | undefined {
  return sources.find((source) => !identityValue(source, handshake, stageVariables));
}

function identityValue(
  source: string,
  handshake: HandshakeFacts,
  stageVariables: Record<string, string> | undefined,
): string | undefined {
  if (source.startsWith('route.request.header.')) {
    const wanted = source.slice('route.request.header.'.length).toLowerCase();
    for (const [name, value] of Object.entries(handshake.headers)) if (name.toLowerCase() === wanted) return value;
    return undefined;
  }
  if (source.startsWith('route.request.querystring.')) {
    return handshake.query?.single[source.slice('route.request.querystring.'.length)];
  }
  if (source.startsWith('stageVariables.')) return stageVariables?.[source.slice('stageVariables.'.length)];
  // `context.*` sources are always present for a connecting client.
  return source.startsWith('context.') ? 'present' : undefined;
}
