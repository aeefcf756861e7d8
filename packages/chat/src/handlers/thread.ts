/** `thread`: a thread's root and a page of its replies, oldest first (docs/protocol.md, "thread"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function threadHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('thread', deps, async ({ rootId, before, limit }, { userId }) => ({
    type: 'thread',
    ...(await deps.service.threads.thread(userId, rootId, { before, limit })),
  }));
}
