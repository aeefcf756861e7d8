/**
 * `replyInThread`: like `sendMessage`, the `replyAck` is the route response and
 * leaves only once the reply is durable (docs/protocol.md, "replyInThread").
 */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function replyInThreadHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('replyInThread', deps, async (request, { userId, connectionId }) => {
    const { rootId, text, clientMessageId, alsoToRoom } = request;
    const { message, root, duplicate } = await deps.service.threads.reply(
      userId,
      { rootId, text, clientMessageId, alsoToRoom },
      connectionId,
    );
    return { type: 'replyAck', clientMessageId, message, root, duplicate };
  });
}
