/** `createRoom`: creates a public room and joins the caller (docs/protocol.md, "createRoom"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function createRoomHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('createRoom', deps, async ({ name }, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.createRoom(userId, name, connectionId),
  }));
}
