/** `setTopic`: answered with the `topicChanged` event, or `topicUnchanged` (docs/protocol.md, "setTopic"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function setTopicHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('setTopic', deps, async ({ roomId, topic }, { userId, connectionId }) => {
    const result = await deps.service.topics.setTopic(userId, roomId, topic, connectionId);
    return result.event ?? { type: 'topicUnchanged', roomId, topic: result.topic };
  });
}
