/** `listRooms`: your rooms and the directory of public rooms, a page at a time (docs/protocol.md, "listRooms"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function listRoomsHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('listRooms', deps, async ({ cursor }, { userId }) => ({
    type: 'rooms',
    ...(await deps.service.rooms.listRooms(userId, cursor)),
  }));
}
