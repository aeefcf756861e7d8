/** `deleteMessage`: answered with the `messageDeleted` event (docs/protocol.md, "deleteMessage"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function deleteMessageHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('deleteMessage', deps, ({ messageId }, { userId, connectionId }) =>
    deps.service.messages.deleteMessage(userId, messageId, connectionId),
  );
}
