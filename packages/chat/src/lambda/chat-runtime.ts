/**
 * What a chat Lambda function builds once per container (at its first
 * invocation) and reuses: the `ChatService` over exactly the parts its entry
 * module asked for (`FunctionParts`), one per `@connections` endpoint.
 *
 *   entry module ─▶ parts: store? (runtime/table-store.ts), poster? (runtime/connection-posts.ts),
 *                          tokens? (runtime/token-keys.ts)
 *   event ─▶ https://<domainName>/<stage> ─▶ PostingBroadcaster over the poster ─▶ ChatService
 *
 * Each part lives in its own module with its own SDK client, and an entry module
 * imports only the parts its route uses, so `$default` loads no SDK client and only
 * the authorizer and the HTTP API's function load Secrets Manager. A part a
 * function does not have is absent from its permissions too (packages/infra):
 * reaching for it is a bug, and fails with a message that says so.
 *
 * The endpoint comes from the event, as AWS documents for callbacks (spec 3:
 * `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}`), so the same
 * function answers the Switchboard gateway locally and API Gateway on AWS.
 */
import type { TokenService } from '../accounts/tokens.ts';
import type { ConnectionPoster } from '../broadcast/connection-poster.ts';
import { PostingBroadcaster } from '../broadcast/posting-broadcaster.ts';
import { ChatService } from '../domain/chat-service.ts';
import { serverAdminNames } from '../domain/names.ts';
import { parseRateLimits, type RateLimitOverrides } from '../domain/rate-limits.ts';
import type { FileServiceOptions } from '../domain/use-cases/files.ts';
import type { ChatHandlerDependencies } from '../handlers/handler-types.ts';
import type { Broadcaster } from '../ports/broadcaster.ts';
import type { ChatStore } from '../ports/chat-store.ts';
import type { RateLimitStore } from '../ports/rate-limit-store.ts';
import { LambdaEnvironment, requiredVariable } from './environment.ts';
import type { WebSocketOrigin } from './lambda-events.ts';
import { chatLogger } from './runtime/observability.ts';

/** The parts of the chat a function uses; each is built at its first use. */
export interface FunctionParts {
  /** The table, with its rate-limit counters (runtime/table-store.ts `tableStore`). */
  store?: () => ChatStore & { rateLimits: RateLimitStore };
  /** Posts to one `@connections` endpoint (runtime/connection-posts.ts `connectionPoster`). */
  poster?: (endpoint: string) => ConnectionPoster;
  /** Signs and verifies session tokens (runtime/token-keys.ts `tokenService`). */
  tokens?: () => Promise<TokenService>;
  /** Attached files in S3 (runtime/file-store.ts `s3Files`); `undefined` when the deployment keeps none. */
  files?: () => FileServiceOptions | undefined;
}

/**
 * The `@connections` endpoint of the stage an event came through. (Behind a
 * custom domain with a base path mapping, API Gateway still reports the stage,
 * not the path: such a deployment sets `CONNECTIONS_URL` and uses `fromEnvironment`.)
 */
export function connectionsUrl({ domainName, stage }: WebSocketOrigin): string {
  return `https://${domainName}/${stage}`;
}

/** The `CONNECTIONS_URL` variable, for functions whose events do not name the WebSocket API. */
export function connectionsUrlFromEnvironment(): string {
  return requiredVariable(LambdaEnvironment.connectionsUrl);
}

const dependencies = new WeakMap<FunctionParts, Map<string, Promise<ChatHandlerDependencies>>>();

/**
 * The handler dependencies for one `@connections` endpoint, built on first use.
 * Rejects when the environment is incomplete (the function then fails every
 * invocation with that message in its log).
 */
export function chatDependencies(endpoint: string, parts: FunctionParts): Promise<ChatHandlerDependencies> {
  let byEndpoint = dependencies.get(parts);
  if (!byEndpoint) {
    byEndpoint = new Map();
    dependencies.set(parts, byEndpoint);
  }
  let built = byEndpoint.get(endpoint);
  if (!built) {
    built = (async () => {
      const store = parts.store?.() ?? absent<ChatStore & { rateLimits: RateLimitStore }>('the table');
      const tokens = (await parts.tokens?.()) ?? absent<TokenService>('the token keys');
      // The broadcaster forgets gone connections through the service, which announces
      // the user offline when it was their last one: bound late, as in server.ts.
      let service: ChatService | undefined;
      const broadcaster = parts.poster
        ? new PostingBroadcaster({
            store,
            poster: parts.poster(endpoint),
            concurrency: postConcurrency(),
            onGone: (connectionId) => service!.presence.disconnect(connectionId),
            logger: chatLogger,
          })
        : absent<Broadcaster>('@connections');
      const files = parts.files?.();
      const guestIdleHours = process.env[LambdaEnvironment.guestIdleHours];
      const heartbeatSeconds = process.env[LambdaEnvironment.heartbeatSeconds];
      const presenceMaxRoomMembers = process.env[LambdaEnvironment.presenceMaxRoomMembers];
      service = new ChatService({
        store,
        broadcaster,
        tokens,
        logger: chatLogger,
        rateLimitStore: store.rateLimits,
        rateLimits: rateLimitOverrides(),
        ...(guestIdleHours && { guestIdleMs: Number(guestIdleHours) * 3_600_000 }),
        ...(heartbeatSeconds && { heartbeatIntervalMs: Number(heartbeatSeconds) * 1000 }),
        ...(presenceMaxRoomMembers && { presenceMaxRoomMembers: Number(presenceMaxRoomMembers) }),
        serverAdmins: serverAdminNames(process.env[LambdaEnvironment.serverAdmins]),
        ...(files && { files }),
      });
      return { service, logger: chatLogger };
    })();
    byEndpoint.set(endpoint, built);
  }
  return built;
}

function rateLimitOverrides(): RateLimitOverrides {
  const text = process.env[LambdaEnvironment.rateLimits];
  return text ? parseRateLimits(text, LambdaEnvironment.rateLimits) : {};
}

function postConcurrency(): number {
  const text = process.env[LambdaEnvironment.postConcurrency];
  return text ? Number(text) : 16;
}

/** A part this function was built without: any use (a call, at any depth) rejects, naming it. */
function absent<T extends object>(part: string, path = ''): T {
  const fail = () => Promise.reject(new Error(`This function has no access to ${part} (${path}).`));
  return new Proxy(fail, {
    get: (_target, member) =>
      member === 'then' ? undefined : absent(part, path ? `${path}.${String(member)}` : String(member)),
    apply: () => fail(),
  }) as unknown as T;
}
