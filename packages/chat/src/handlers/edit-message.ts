/** `editMessage`: answered with the `messageEdited` event (docs/protocol.md, "editMessage"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function editMessageHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('editMessage', deps, ({ messageId, text }, { userId, connectionId }) =>
    deps.service.messages.editMessage(userId, messageId, text, connectionId),
  );
}
