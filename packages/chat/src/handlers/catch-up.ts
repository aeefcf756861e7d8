/** `catchUp`: every event after the client's last `seq` per room (docs/protocol.md, "Reconnect and catch-up"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function catchUpHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('catchUp', deps, async ({ rooms }, { userId }) => ({
    type: 'catchUp',
    ...(await deps.service.messages.catchUp(userId, rooms)),
  }));
}
