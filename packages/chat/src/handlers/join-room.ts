/** `joinRoom`: joins a public room (docs/protocol.md, "joinRoom"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function joinRoomHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('joinRoom', deps, async ({ roomId }, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.rooms.joinRoom(userId, roomId, connectionId),
  }));
}
