/** `createInvite`: a new invite link to the room, with its token (docs/protocol.md, "createInvite"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function createInviteHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('createInvite', deps, async ({ roomId, expiresInMs, maxUses }, { userId }) => ({
    type: 'inviteCreated',
    ...(await deps.service.invites.createInvite(userId, roomId, { expiresInMs, maxUses })),
  }));
}
