/** `deactivateUser`: answered with `userDeactivated` (docs/protocol.md, "deactivateUser"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function deactivateUserHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('deactivateUser', deps, async ({ userId: targetId }, { userId }) => {
    await deps.service.deactivation.deactivate(userId, targetId);
    return { type: 'userDeactivated', userId: targetId };
  });
}
