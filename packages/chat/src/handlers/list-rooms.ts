/** `listRooms`: your rooms and the directory of public rooms (docs/protocol.md, "listRooms"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function listRoomsHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('listRooms', deps, async (_request, { userId }) => ({
    type: 'rooms',
    ...(await deps.service.listRooms(userId)),
  }));
}
