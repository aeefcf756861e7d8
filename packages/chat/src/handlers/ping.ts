/** `ping`: keeps an idle connection open and measures latency (docs/protocol.md, "ping"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function pingHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('ping', deps, async () => ({ type: 'pong', now: Date.now() }));
}
