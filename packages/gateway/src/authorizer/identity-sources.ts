/**
 * Identity sources of a REQUEST authorizer (spec 6): when any is missing or empty
 * the handshake is refused with 401 and the authorizer is not invoked.
 *
 * The sources are read once, when the authorizer is built, so a handshake only
 * looks its values up: the header names to find, lowercased, are not recomputed
 * (nor every header name lowercased) per connection.
 */
import type { HandshakeFacts } from '../events.ts';

const HEADER = 'route.request.header.';
const QUERY = 'route.request.querystring.';
const STAGE_VARIABLE = 'stageVariables.';

/** One identity source, parsed: where its value is found. */
type IdentitySource =
  | { source: string; from: 'header'; lowercase: string }
  | { source: string; from: 'query' | 'stageVariable'; name: string }
  /** `context.*` sources are always present for a connecting client; anything else never is. */
  | { source: string; from: 'always' | 'never' };

export type IdentitySources = readonly IdentitySource[];

export function parseIdentitySources(sources: readonly string[]): IdentitySources {
  return sources.map((source): IdentitySource => {
    if (source.startsWith(HEADER))
      return { source, from: 'header', lowercase: source.slice(HEADER.length).toLowerCase() };
    if (source.startsWith(QUERY)) return { source, from: 'query', name: source.slice(QUERY.length) };
    if (source.startsWith(STAGE_VARIABLE))
      return { source, from: 'stageVariable', name: source.slice(STAGE_VARIABLE.length) };
    return { source, from: source.startsWith('context.') ? 'always' : 'never' };
  });
}

export function firstMissingIdentitySource(
  sources: IdentitySources,
  handshake: HandshakeFacts,
  stageVariables: Record<string, string> | undefined,
): string | undefined {
  for (const source of sources) if (!identityValue(source, handshake, stageVariables)) return source.source;
  return undefined;
}

function identityValue(
  source: IdentitySource,
  handshake: HandshakeFacts,
  stageVariables: Record<string, string> | undefined,
): string | undefined {
  switch (source.from) {
    case 'header':
      // Header names keep the client's case: the first that matches, ignoring case, counts.
      for (const name in handshake.headers) {
        if (name.length === source.lowercase.length && name.toLowerCase() === source.lowercase) {
          return handshake.headers[name];
        }
      }
      return undefined;
    case 'query':
      return handshake.query?.single[source.name];
    case 'stageVariable':
      return stageVariables?.[source.name];
    case 'always':
      return 'present';
    case 'never':
      return undefined;
  }
}
