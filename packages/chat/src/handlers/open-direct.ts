/** `openDirect`: opens or finds the one-to-one conversation with another user (docs/protocol.md, "openDirect"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { userTargetOf } from './user-target.ts';

export function openDirectHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('openDirect', deps, async (request, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.rooms.openDirect(userId, userTargetOf(request), connectionId),
  }));
}
