/** `revokeInvite`: the invite link stops working (docs/protocol.md, "revokeInvite"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function revokeInviteHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('revokeInvite', deps, async ({ inviteId }, { userId }) => ({
    type: 'inviteRevoked',
    invite: await deps.service.invites.revokeInvite(userId, inviteId),
  }));
}
