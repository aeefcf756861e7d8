/**
 * What stands before a conversation's name: `#` for a public room and a lock for
 * a private one, the other person's avatar for a direct conversation, and for a
 * group how many people are in it.
 */
import type { RoomSummary } from '@switchboard/chat/api';
import { Avatar } from './avatar.tsx';
import { RoomMark } from './room-mark.tsx';

interface ConversationIconProps {
  room: RoomSummary;
  /** The other person of a direct conversation is online. */
  online?: boolean;
  /** The element's class for a room's mark (`#` or the lock). */
  hashClass: string;
}

export function ConversationIcon({ room, online, hashClass }: ConversationIconProps) {
  if (room.peer !== null) return <Avatar username={room.peer.username} size="sm" online={online} />;
  if (room.members !== undefined) {
    return (
      <span className="group-icon" aria-hidden="true" data-testid="group-icon">
        {room.members.length + 1}
      </span>
    );
  }
  return <RoomMark visibility={room.visibility} className={hashClass} />;
}
