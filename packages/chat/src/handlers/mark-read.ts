/** `markRead`: moves the read marker forward; the caller's other connections hear it too (docs/protocol.md, "markRead"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function markReadHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('markRead', deps, async ({ roomId, seq }, { userId, connectionId }) => ({
    type: 'read',
    ...(await deps.service.readState.markRead(userId, roomId, seq, connectionId)),
  }));
}
