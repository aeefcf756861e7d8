/** `setMemberRole`: answered with the `memberRoleChanged` event, or `roleUnchanged` (docs/protocol.md, "setMemberRole"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function setMemberRoleHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('setMemberRole', deps, async ({ roomId, userId: targetId, role }, { userId, connectionId }) => {
    const { event } = await deps.service.moderation.setMemberRole(userId, roomId, targetId, role, connectionId);
    return event ?? { type: 'roleUnchanged', roomId, userId: targetId, role };
  });
}
