/**
 * `sendMessage`: the `ack` is the route response, so it leaves only after the
 * service resolved, which it does once the message is durable (docs/protocol.md,
 * "sendMessage"). A send that cannot be stored answers an error and no ack.
 */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function sendMessageHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute(
    'sendMessage',
    deps,
    async ({ roomId, text, clientMessageId, attachments }, { userId, connectionId }) => {
      const { message, duplicate } = await deps.service.messages.sendMessage(
        userId,
        { roomId, text, clientMessageId, ...(attachments && { attachments }) },
        connectionId,
      );
      return { type: 'ack', clientMessageId, message, duplicate };
    },
  );
}
