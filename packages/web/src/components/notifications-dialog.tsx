/**
 * The room's notification settings (a native `<dialog>`): what notifies you
 * (every message, mentions, nothing), muting, and the browser's permission to
 * show notifications, asked for only when the button is pressed.
 */
import { NotificationLevel, type RoomSummary } from '@switchboard/chat/api';
import { type Ref, useId, useImperativeHandle, useRef } from 'react';
import { roomLabel } from '../state/conversation-order.ts';
import { useNotificationPermission } from './browser-notifications.ts';
import { useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';

export interface NotificationsDialogHandle {
  open: () => void;
}

interface NotificationsDialogProps {
  ref: Ref<NotificationsDialogHandle>;
  room: RoomSummary;
}

const levelLabels: Record<NotificationLevel, string> = {
  all: 'Every message',
  mentions: 'Mentions of me and direct messages',
  nothing: 'Nothing',
};

export function NotificationsDialog({ ref, room }: NotificationsDialogProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [permission, requestPermission] = useNotificationPermission();
  const id = useId();
  const { level, muted } = room.notifications;
  const save = (change: Partial<RoomSummary['notifications']>) =>
    client
      .setNotifications(room.id, { ...room.notifications, ...change })
      .catch((error: Error) => client.notify(error.message));

  useImperativeHandle(ref, () => ({ open: () => dialog.current?.showModal() }));

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="notifications-dialog">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Notifications for {roomLabel(room)}
      </DialogHeader>
      <fieldset className="notify-settings">
        <legend>Notify me about</legend>
        {NotificationLevel.map((option) => (
          <label key={option} className="notify-settings__option">
            <input
              type="radio"
              name={`${id}-level`}
              value={option}
              checked={level === option}
              data-testid={`notify-${option}`}
              onChange={() => save({ level: option })}
            />
            {levelLabels[option]}
          </label>
        ))}
      </fieldset>
      <label className="notify-settings__option">
        <input type="checkbox" checked={muted} data-testid="notify-muted" onChange={() => save({ muted: !muted })} />
        Mute this {room.kind === 'room' ? 'room' : 'conversation'} (no notifications, quiet unread count)
      </label>
      <p className="notify-settings__permission muted" data-testid="notify-permission">
        {permission === 'granted' && 'Browser notifications are on while this tab is hidden.'}
        {permission === 'denied' && 'Browser notifications are blocked: allow them in the browser’s site settings.'}
        {permission === 'unsupported' && 'This browser cannot show notifications.'}
      </p>
      {permission === 'default' && (
        <button
          type="button"
          className="button button--small"
          data-testid="enable-notifications"
          onClick={requestPermission}
        >
          Enable browser notifications
        </button>
      )}
    </dialog>
  );
}
