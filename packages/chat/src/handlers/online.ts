/** `online`: every user with an open connection, once each (docs/protocol.md, "online"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function onlineHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('online', deps, async () => ({ type: 'online', users: await deps.service.online() }));
}
