/** `removeMember`: answered with the `memberLeft` event (docs/protocol.md, "removeMember"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function removeMemberHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('removeMember', deps, ({ roomId, userId: targetId, ban }, { userId, connectionId }) =>
    deps.service.moderation.removeMember(userId, roomId, targetId, { ban: ban ?? false }, connectionId),
  );
}
