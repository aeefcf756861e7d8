/** `redeemInvite`: joins the room of an invite link (docs/protocol.md, "redeemInvite"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function redeemInviteHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('redeemInvite', deps, async ({ token }, { userId, connectionId }) => ({
    type: 'roomJoined',
    room: await deps.service.invites.redeemInvite(userId, token, connectionId),
  }));
}
