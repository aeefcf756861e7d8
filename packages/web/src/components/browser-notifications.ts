/**
 * Browser notifications (the Notification API) for messages that call for one
 * (state/notification-rules.ts) while the tab is hidden. Permission is asked
 * only when the user presses "Enable browser notifications".
 */
import type { Message, RoomSummary, UserId } from '@switchboard/chat/api';
import { useCallback, useEffect, useState } from 'react';
import { roomLabel } from '../state/conversation-order.ts';
import { shouldNotify } from '../state/notification-rules.ts';

/** Longest body shown: a notification is a glance, the chat has the rest. */
const bodyMaxLength = 160;

export type NotificationPermissionState = NotificationPermission | 'unsupported';

function currentPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The permission, and a function that asks for it (call it from a user action). */
export function useNotificationPermission(): [NotificationPermissionState, () => void] {
  const [permission, setPermission] = useState(currentPermission);
  // Another tab (or the browser's settings) may change it meanwhile.
  useEffect(() => {
    const check = () => setPermission(currentPermission());
    document.addEventListener('visibilitychange', check);
    return () => document.removeEventListener('visibilitychange', check);
  }, []);
  const request = useCallback(() => {
    if (typeof Notification === 'undefined') return;
    void Notification.requestPermission().then(setPermission, () => setPermission(currentPermission()));
  }, []);
  return [permission, request];
}

/**
 * Shows a notification for `message` when the rules call for one and the user
 * allowed them; clicking it brings the tab forward and calls `show` (which
 * opens the message where it is: its room, or its thread for a reply only there).
 */
export function notifyMessage(
  message: Message,
  room: RoomSummary,
  me: UserId | undefined,
  inFollowedThread: boolean,
  show: (message: Message) => void,
): void {
  if (currentPermission() !== 'granted') return;
  const hidden = document.visibilityState === 'hidden';
  if (!shouldNotify({ message, room, me, hidden, inFollowedThread, now: Date.now() })) return;
  const where = room.kind === 'direct' ? '' : ` in #${roomLabel(room)}`;
  const title = `${message.authorName}${message.threadRootId === null ? '' : ' replied in a thread'}${where}`;
  const body = message.text.length > bodyMaxLength ? `${message.text.slice(0, bodyMaxLength)}…` : message.text;
  // One per room at a time: a newer message replaces the older notification.
  const notification = new Notification(title, { body, tag: `room:${room.id}` });
  notification.onclick = () => {
    window.focus();
    show(message);
    notification.close();
  };
}
