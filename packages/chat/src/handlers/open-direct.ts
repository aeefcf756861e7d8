/** `openDirect`: opens or finds the one-to-one conversation with another user (docs/protocol.md, "openDirect"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function openDirectHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('openDirect', deps, async (request, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.rooms.openDirect(
      userId,
      'userId' in request ? { userId: request.userId } : { username: request.username },
      connectionId,
    ),
  }));
}
