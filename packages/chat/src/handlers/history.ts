/** `history`: a page of messages, oldest first (docs/protocol.md, "history"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function historyHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('history', deps, async ({ roomId, before, limit }, { userId }) => ({
    type: 'history',
    ...(await deps.service.messages.history(userId, roomId, { before, limit })),
  }));
}
