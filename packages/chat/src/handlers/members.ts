/** `members`: a room's members with their online state (docs/protocol.md, "members"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function membersHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('members', deps, async ({ roomId }, { userId }) => ({
    type: 'members',
    roomId,
    members: await deps.service.members(userId, roomId),
  }));
}
