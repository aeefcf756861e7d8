/** A generated avatar: initials on a colour derived from the username (never fetched). */
import { avatarFor } from '@switchboard/chat/api';

interface AvatarProps {
  username: string;
  /** @default 'md' */
  size?: 'sm' | 'md';
  /** Shows an online dot. */
  online?: boolean;
}

export function Avatar({ username, size = 'md', online }: AvatarProps) {
  const { initials, color } = avatarFor(username);
  return (
    <span className={`avatar avatar--${size}`} style={{ backgroundColor: color }} aria-hidden="true">
      {initials}
      {online && <span className="avatar__presence" />}
    </span>
  );
}
