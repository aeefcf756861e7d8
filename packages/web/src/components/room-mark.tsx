/** The mark before a room's name: `#` for a public room, a lock for a private one (decorative: labels say "private"). */
import type { RoomVisibility } from '@switchboard/chat/api';

export function RoomMark({ visibility, className }: { visibility: RoomVisibility; className: string }) {
  if (visibility === 'public') {
    return (
      <span className={className} aria-hidden="true">
        #
      </span>
    );
  }
  return (
    <span className={className} aria-hidden="true" data-testid="private-mark">
      <svg className="room-mark__lock" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <rect x="3" y="7" width="10" height="8" rx="1.5" />
        <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.8" />
      </svg>
    </span>
  );
}
