/** `addReaction`: answered with the `messageReacted` event, or `reactionUnchanged` (docs/protocol.md, "addReaction"). */

import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';
import { reactionRoute } from './reaction-route.ts';

export function addReactionHandler(deps: ChatHandlerDependencies): ChatHandler {
  return reactionRoute('addReaction', deps);
}
