/** `renameRoom`: answered with the `roomRenamed` event, or `roomNameUnchanged` (docs/protocol.md, "renameRoom"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function renameRoomHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('renameRoom', deps, async ({ roomId, name }, { userId, connectionId }) => {
    const result = await deps.service.roomRenames.renameRoom(userId, roomId, name, connectionId);
    return result.event ?? { type: 'roomNameUnchanged', roomId, name: result.name };
  });
}
