/** `threads`: the threads of a room the caller follows, with read positions (docs/protocol.md, "threads"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function threadsHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('threads', deps, async ({ roomId, before }, { userId }) => ({
    type: 'threads',
    ...(await deps.service.threads.threads(userId, roomId, { before })),
  }));
}
