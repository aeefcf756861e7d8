/**
 * `pinMessage` and `unpinMessage`: answered with the `messagePinned` /
 * `messageUnpinned` event, or `pinUnchanged` (docs/protocol.md, "pinMessage").
 */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function pinMessageHandler(deps: ChatHandlerDependencies): ChatHandler {
  return pinRoute('pinMessage', deps);
}

export function unpinMessageHandler(deps: ChatHandlerDependencies): ChatHandler {
  return pinRoute('unpinMessage', deps);
}

function pinRoute(action: 'pinMessage' | 'unpinMessage', deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute(action, deps, async ({ messageId }, { userId, connectionId }) => {
    const pins = deps.service.pins;
    const { message, event } =
      action === 'pinMessage'
        ? await pins.pinMessage(userId, messageId, connectionId)
        : await pins.unpinMessage(userId, messageId, connectionId);
    return event ?? { type: 'pinUnchanged', roomId: message.roomId, messageId, pinned: message.pinnedAt !== null };
  });
}
