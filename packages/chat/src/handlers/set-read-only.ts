/** `setReadOnly`: answered with the `readOnlyChanged` event, or `readOnlyUnchanged` (docs/protocol.md, "setReadOnly"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function setReadOnlyHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('setReadOnly', deps, async ({ roomId, readOnly }, { userId, connectionId }) => {
    const { event } = await deps.service.moderation.setReadOnly(userId, roomId, readOnly, connectionId);
    return event ?? { type: 'readOnlyUnchanged', roomId, readOnly };
  });
}
