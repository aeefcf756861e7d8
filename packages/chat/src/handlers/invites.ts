/** `invites`: the room's newest invite links (docs/protocol.md, "invites"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function invitesHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('invites', deps, async ({ roomId }, { userId }) => ({
    type: 'invites',
    roomId,
    invites: await deps.service.invites.listInvites(userId, roomId),
  }));
}
