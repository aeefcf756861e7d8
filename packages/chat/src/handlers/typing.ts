/**
 * `typing`: relayed to the room, never stored and never answered; only errors
 * come back (docs/protocol.md, "typing"). The service drops frames above its rate.
 */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function typingHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('typing', deps, async ({ roomId }, { userId, connectionId }) => {
    await deps.service.presence.typing(userId, roomId, connectionId);
    return undefined;
  });
}
