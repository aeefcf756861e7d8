/** `setRoomVisibility`: answered with the `visibilityChanged` event, or `visibilityUnchanged` (docs/protocol.md). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function setRoomVisibilityHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('setRoomVisibility', deps, async ({ roomId, visibility }, { userId, connectionId }) => {
    const result = await deps.service.invites.setVisibility(userId, roomId, visibility, connectionId);
    return result.event ?? { type: 'visibilityUnchanged', roomId, visibility: result.visibility };
  });
}
