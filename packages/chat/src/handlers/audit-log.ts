/** `auditLog`: moderation actions, newest first, a page at a time (docs/protocol.md, "auditLog"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function auditLogHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('auditLog', deps, async ({ roomId, cursor }, { userId }) => ({
    type: 'auditLog',
    roomId: roomId ?? null,
    ...(await deps.service.auditLog.list(userId, roomId, cursor)),
  }));
}
