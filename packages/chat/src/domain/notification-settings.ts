/**
 * Per-room notification settings of one member (docs/protocol.md,
 * "setNotifications"). The server keeps them so every device of the user
 * agrees; the client decides what to show with them.
 */
import type { RoomKind } from './types.ts';

/** What makes a browser notification: every message, mentions (and direct messages), or nothing. */
export const NotificationLevel = ['all', 'mentions', 'nothing'] as const;
export type NotificationLevel = (typeof NotificationLevel)[number];

export interface NotificationSettings {
  level: NotificationLevel;
  /** A muted room never notifies and its unread count is shown without emphasis. */
  muted: boolean;
}

/** Until a member chooses: every message of a direct conversation, mentions in a room. */
export function defaultNotificationSettings(kind: RoomKind): NotificationSettings {
  return { level: kind === 'direct' ? 'all' : 'mentions', muted: false };
}
