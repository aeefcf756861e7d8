/** `members`: a room's members with their online state, a page at a time (docs/protocol.md, "members"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function membersHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('members', deps, async ({ roomId, cursor }, { userId }) => ({
    type: 'members',
    roomId,
    ...(await deps.service.rooms.members(userId, roomId, cursor)),
  }));
}
