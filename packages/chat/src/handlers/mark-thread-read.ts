/** `markThreadRead`: answered with `threadRead` (docs/protocol.md, "markThreadRead"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function markThreadReadHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('markThreadRead', deps, async ({ rootId, seq }, { userId, connectionId }) => ({
    type: 'threadRead',
    ...(await deps.service.threads.markThreadRead(userId, rootId, seq, connectionId)),
  }));
}
