/**
 * `$connect`: records the connection (presence, fan-out) before the handshake
 * completes. A refusal's status becomes the handshake's (spec 1.6), e.g. 401 for
 * an account deleted since its token was issued, 503 when the store is down.
 */
import { toChatError } from '../domain/errors.ts';
import { callerOf } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function connectHandler({ service }: ChatHandlerDependencies): ChatHandler {
  return async (event) => {
    try {
      const { userId, connectionId } = callerOf(event);
      await service.connect(connectionId, userId);
      return { statusCode: 200 };
    } catch (error) {
      const failure = toChatError(error);
      if (failure.code === 'INTERNAL') throw error;
      return { statusCode: failure.status };
    }
  };
}
