/** `ban`: a user kept out of the room, member or not (docs/protocol.md, "ban"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function banHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('ban', deps, async ({ roomId, userId: targetId }, { userId, connectionId }) => ({
    type: 'banned',
    roomId,
    ...(await deps.service.moderation.ban(userId, roomId, targetId, connectionId)),
  }));
}
