/** `bans`: the room's bans, a page at a time (docs/protocol.md, "bans"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function bansHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('bans', deps, async ({ roomId, cursor }, { userId }) => ({
    type: 'bans',
    roomId,
    ...(await deps.service.moderation.bans(userId, roomId, cursor)),
  }));
}
