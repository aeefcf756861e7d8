/** `openGroup`: opens or finds the group direct conversation of 3 to 8 people (docs/protocol.md, "openGroup"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function openGroupHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('openGroup', deps, async ({ userIds }, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.groups.openGroup(userId, userIds, connectionId),
  }));
}
