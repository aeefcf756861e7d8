/** `removeReaction`: answered with the `messageReacted` event, or `reactionUnchanged` (docs/protocol.md, "removeReaction"). */

import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { reactionRoute } from './reaction-route.ts';

export function removeReactionHandler(deps: ChatHandlerDependencies): ChatHandler {
  return reactionRoute('removeReaction', deps);
}
