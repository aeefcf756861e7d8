/**
 * What `addReaction` and `removeReaction` share: a change is answered with its
 * `messageReacted` event (as edits are with theirs), a repeat with `reactionUnchanged`.
 */
import type { ServerMessage } from '../api/protocol.ts';
import type { ReactResult } from '../domain/chat-service.ts';
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function reactionRoute(action: 'addReaction' | 'removeReaction', deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute(action, deps, async ({ messageId, emoji }, { userId, connectionId }) => {
    const reactions = deps.service.reactions;
    const result =
      action === 'addReaction'
        ? await reactions.addReaction(userId, messageId, emoji, connectionId)
        : await reactions.removeReaction(userId, messageId, emoji, connectionId);
    return reactionAnswer(result);
  });
}

function reactionAnswer({ message, event, emoji }: ReactResult): ServerMessage {
  if (event) return event;
  return { type: 'reactionUnchanged', roomId: message.roomId, messageId: message.id, emoji };
}
