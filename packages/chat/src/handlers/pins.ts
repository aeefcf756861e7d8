/** `pins`: the room's pinned messages, oldest first (docs/protocol.md, "pins"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function pinsHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('pins', deps, async ({ roomId, before, limit }, { userId }) => ({
    type: 'pins',
    ...(await deps.service.pins.pins(userId, roomId, { before, limit })),
  }));
}
