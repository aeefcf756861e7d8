/** `setNotifications`: the caller's notification settings for a room (docs/protocol.md, "setNotifications"). */
import { chatRoute } from './chat-route.ts';
import type { ChatHandler, ChatHandlerDependencies } from './handler-types.ts';

export function setNotificationsHandler(deps: ChatHandlerDependencies): ChatHandler {
  return chatRoute('setNotifications', deps, async ({ roomId, level, muted }, { userId, connectionId }) => ({
    type: 'notifications',
    ...(await deps.service.notifications.setNotifications(userId, roomId, { level, muted }, connectionId)),
  }));
}
