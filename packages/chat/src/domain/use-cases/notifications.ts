/**
 * Notification settings: each member chooses per room what notifies them
 * (every message, mentions, nothing) and whether the room is muted. The server
 * keeps the choice so every device of the user agrees, and tells the user's
 * other connections when it changes; clients decide what to show with it.
 */
import type { NotificationSettings } from '../notification-settings.ts';
import type { ConnectionId, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface RoomNotifications extends NotificationSettings {
  roomId: RoomId;
}

export class NotificationService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Stores the settings (a repeat is harmless) and tells the user's other connections.
   * Errors: RATE_LIMITED (shared with edits), ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async setNotifications(
    userId: UserId,
    roomId: RoomId,
    settings: NotificationSettings,
    origin?: ConnectionId,
  ): Promise<RoomNotifications> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    await context.requireMember(userId, roomId);
    const result: RoomNotifications = { roomId, level: settings.level, muted: settings.muted };
    await context.store.setNotificationSettings(userId, roomId, { level: result.level, muted: result.muted });
    await context.sendToUser(userId, { type: 'notifications', ...result }, origin);
    return result;
  }
}
