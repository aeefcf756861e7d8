/**
 * `$disconnect`: forgets the connection and announces the user offline when it
 * was their last. Best effort on AWS (spec 1.4: not always delivered); the
 * broadcaster also forgets connections that answer 410 Gone.
 */
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function disconnectHandler({ service }: ChatHandlerDependencies): ChatHandler {
  return async (event) => {
    await service.presence.disconnect(event.requestContext.connectionId);
    return { statusCode: 200 };
  };
}
