/** `leaveRoom`: leaves a public room (docs/protocol.md, "leaveRoom"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function leaveRoomHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('leaveRoom', deps, async ({ roomId }, { userId, connectionId }) => {
    await deps.service.rooms.leaveRoom(userId, roomId, connectionId);
    return { type: 'roomLeft', roomId };
  });
}
