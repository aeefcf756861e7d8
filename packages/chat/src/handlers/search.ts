/** `search`: full-text search over the rooms the caller can read (docs/protocol.md, "search"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function searchHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('search', deps, async ({ query, roomId, limit }, { userId }) => ({
    type: 'searchResults',
    query,
    results: await deps.service.search.search(userId, query, { roomId, limit }),
  }));
}
