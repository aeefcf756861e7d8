/**
 * When a message makes a browser notification (the Notification API): only
 * while the page is hidden, never for your own messages or a muted room, and
 * as the room's level says: `all` every message, `mentions` messages that
 * mention you, replies in threads you follow (as Slack's default) and every
 * message of a direct conversation, `nothing` none.
 */
import type { Message, RoomSummary, UserId } from '@switchboard/chat/api';
import { mentionsUser } from './mentions.ts';

/**
 * Messages older than this when they arrive (a catch-up after a long time
 * offline) are counted, not announced: a reconnect does not bring a flood.
 */
export const notifyMaxAgeMs = 5 * 60_000;

export interface NotifyContext {
  message: Message;
  room: RoomSummary;
  me: UserId | undefined;
  /** The page is hidden (`document.visibilityState`). */
  hidden: boolean;
  /** The message is a reply in a thread the user follows (`ChatClient.followsThread`). */
  inFollowedThread: boolean;
  now: number;
}

export function shouldNotify({ message, room, me, hidden, inFollowedThread, now }: NotifyContext): boolean {
  if (!hidden || message.authorId === me || message.deletedAt !== null) return false;
  if (now - message.createdAt > notifyMaxAgeMs) return false;
  const { level, muted } = room.notifications;
  if (muted || level === 'nothing') return false;
  return level === 'all' || room.kind === 'direct' || mentionsUser(message, me) || inFollowedThread;
}
