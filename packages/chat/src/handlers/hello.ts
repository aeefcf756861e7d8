/** `hello`: who you are, your rooms with unread counts, who is online, the limits (docs/protocol.md, "hello"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function helloHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('hello', deps, async (_request, { userId }) => ({
    type: 'welcome',
    ...(await deps.service.presence.hello(userId)),
  }));
}
