/** `inviteMember`: adds a user to the room by username (docs/protocol.md, "inviteMember"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function inviteMemberHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('inviteMember', deps, async ({ roomId, username }, { userId }) => ({
    type: 'memberInvited',
    roomId,
    user: await deps.service.invites.inviteMember(userId, roomId, username),
  }));
}
