/** `ping`: keeps an idle connection open and names the rooms that moved (docs/protocol.md, "ping"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function pingHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('ping', deps, async ({ since }, { userId }) => ({
    type: 'pong',
    now: Date.now(),
    ...(await deps.service.heartbeat.ping(userId, since)),
  }));
}
