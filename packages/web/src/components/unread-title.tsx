/** Puts the total unread count in the tab title, e.g. "(3) Switchboard"; a muted room counts only its mentions. */
import { useEffect } from 'react';
import { useChat } from './chat-context.ts';

export function UnreadTitle() {
  const rooms = useChat((state) => state.rooms);
  const unread = rooms.reduce((total, room) => total + (room.notifications.muted ? room.mentions : room.unread), 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Switchboard` : 'Switchboard';
  }, [unread]);
  return null;
}
