/** `markUnread`: moves the read marker back before a message; the caller's other connections hear it too (docs/protocol.md, "markUnread"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function markUnreadHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('markUnread', deps, async ({ roomId, seq }, { userId, connectionId }) => ({
    type: 'read',
    ...(await deps.service.readState.markUnread(userId, roomId, seq, connectionId)),
  }));
}
