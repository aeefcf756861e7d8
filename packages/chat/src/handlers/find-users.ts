/** `findUsers`: users whose username starts with the query, a page at a time (docs/protocol.md, "findUsers"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function findUsersHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('findUsers', deps, async ({ query, cursor }, { userId }) => ({
    type: 'users',
    query,
    ...(await deps.service.users.findUsers(userId, query, cursor)),
  }));
}
