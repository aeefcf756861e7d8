/**
 * `$connect`: checks that the token's session is live and records the
 * connection (presence, fan-out) before the handshake completes. A refusal's
 * status becomes the handshake's (spec 1.6): 401 for a session that was signed
 * out or an account that is gone, 429 for a user with too many connections,
 * 503 when the store cannot be reached (the token could not be checked).
 */
import { ChatError, toChatError } from '../domain/errors.ts';
import { callerOf } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function connectHandler({ service }: ChatHandlerDependencies): ChatHandler {
  return async (event) => {
    try {
      const { userId, connectionId } = callerOf(event);
      const sessionId = event.requestContext.authorizer?.sessionId;
      // Only a deployment without the chat's authorizer gets here without a session.
      if (typeof sessionId !== 'string' || sessionId === '') throw new ChatError('UNAUTHENTICATED');
      await service.presence.connect(connectionId, { userId, sessionId });
      return { statusCode: 200 };
    } catch (error) {
      const failure = toChatError(error);
      if (failure.code === 'INTERNAL') throw error;
      return { statusCode: failure.status };
    }
  };
}
