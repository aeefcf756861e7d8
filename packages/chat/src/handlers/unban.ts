/** `unban`: a user's ban lifted (docs/protocol.md, "unban"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function unbanHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('unban', deps, async ({ roomId, userId: targetId }, { userId }) => ({
    type: 'unbanned',
    roomId,
    ...(await deps.service.moderation.unban(userId, roomId, targetId)),
  }));
}
