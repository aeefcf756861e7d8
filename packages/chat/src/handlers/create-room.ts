/** `createRoom`: creates a public or private room and joins the caller (docs/protocol.md, "createRoom"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function createRoomHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('createRoom', deps, async ({ name, visibility }, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.rooms.createRoom(userId, name, connectionId, visibility),
  }));
}
