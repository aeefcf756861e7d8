/** `ban`: a user kept out of the room, member or not (docs/protocol.md, "ban"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { userTargetOf } from './user-target.ts';

export function banHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('ban', deps, async (request, { userId, connectionId }) => ({
    type: 'banned',
    roomId: request.roomId,
    ...(await deps.service.moderation.ban(userId, request.roomId, userTargetOf(request), connectionId)),
  }));
}
