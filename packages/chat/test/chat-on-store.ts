/**
 * The chat's real handlers on a real gateway over any store, for tests that fill
 * the store directly and then talk to the chat over WebSocket: the composition
 * of server.ts (channels fan-out) or of the AWS deployment (a lookup broadcaster
 * posting to `@connections`), without the HTTP endpoints.
 */
import { randomUUID } from 'node:crypto';
import { createGateway, type Gateway } from '@switchboard/gateway';
import { TokenService } from '../src/accounts/tokens.ts';
import { chatApiDefinition } from '../src/api/definition.ts';
import { ChannelBroadcaster } from '../src/broadcast/channel-broadcaster.ts';
import { managementPoster } from '../src/broadcast/connection-poster.ts';
import { PostingBroadcaster } from '../src/broadcast/posting-broadcaster.ts';
import { ChatService } from '../src/domain/chat-service.ts';
import type { RateLimitOverrides } from '../src/domain/rate-limits.ts';
import type { User } from '../src/domain/types.ts';
import { createChatHandlers } from '../src/handlers/index.ts';
import type { Broadcaster } from '../src/ports/broadcaster.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import type { RateLimitStore } from '../src/ports/rate-limit-store.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';

export interface ChatOnStore {
  webSocketUrl: string;
  service: ChatService;
  /** A token for a user the test created in the store. */
  tokenFor(user: User): Promise<string>;
  close(): Promise<void>;
}

const quiet = { warn() {} };

/**
 * @param fanOut `channels` as the self-hosted server broadcasts, `posting` as the AWS deployment does.
 */
export async function startChatOnStore(
  store: ChatStore,
  fanOut: 'channels' | 'posting',
  /** Where rate-limit buckets live. @default in memory */
  rateLimitStore: RateLimitStore = new MemoryRateLimitStore(),
  /** Limits other than the deployed ones (test-settings.ts `relaxedRateLimits`). @default the deployed limits */
  rateLimits?: RateLimitOverrides,
): Promise<ChatOnStore> {
  const tokens = new TokenService({ secret: new TextEncoder().encode('a-test-secret-that-is-at-least-32-bytes') });
  let gateway: Gateway | undefined;
  let service: ChatService | undefined;
  const poster = managementPoster({
    postToConnection: (input) => gateway!.management.postToConnection(input),
    deleteConnection: (input) => gateway!.management.deleteConnection(input),
  });
  const broadcaster: Broadcaster =
    fanOut === 'channels'
      ? new ChannelBroadcaster({
          channels: {
            subscribe: (connectionId, channel) => gateway!.channels.subscribe(connectionId, channel),
            unsubscribe: (connectionId, channel) => gateway!.channels.unsubscribe(connectionId, channel),
            publish: (channel, data, options) => gateway!.channels.publish(channel, data, options),
          },
          poster,
        })
      : new PostingBroadcaster({
          store,
          poster,
          onGone: (connectionId) => service!.presence.disconnect(connectionId),
          logger: quiet,
        });
  service = new ChatService({
    store,
    broadcaster,
    tokens,
    logger: quiet,
    rateLimitStore,
    ...(rateLimits && { rateLimits }),
  });
  gateway = await createGateway(chatApiDefinition(createChatHandlers({ service, logger: quiet })), {
    port: 0,
    host: '127.0.0.1',
    tls: false,
    logger: false,
  });
  const { url } = await gateway.listen();
  return {
    webSocketUrl: url,
    service,
    tokenFor: async (user) => {
      // A token is good only while its session is on record (sign-out revokes it).
      const sessionId = randomUUID();
      const { token, expiresAt } = await tokens.issue(user, sessionId, Date.now());
      await store.createSession({ id: sessionId, userId: user.id, createdAt: Date.now(), expiresAt });
      return token;
    },
    close: () => gateway!.close(),
  };
}
