/** `online`: every user with an open connection, once each, a page at a time (docs/protocol.md, "online"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function onlineHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('online', deps, async ({ cursor }, { userId }) => ({
    type: 'online',
    ...(await deps.service.presence.online(userId, cursor)),
  }));
}
