/** One person in a list to pick from: a checkbox (Space toggles it) with their avatar and name. */
import type { UserSummary } from '@switchboard/chat/api';
import { Avatar } from './avatar.tsx';

interface PersonOptionProps {
  user: UserSummary;
  checked: boolean;
  onToggle: () => void;
  /** Shows an online dot and tag. */
  online?: boolean;
}

export function PersonOption({ user, checked, onToggle, online = false }: PersonOptionProps) {
  return (
    <li className="directory__item person-option" data-testid="person-option" data-username={user.username}>
      <label className="person-option__label">
        <input type="checkbox" checked={checked} onChange={onToggle} />
        <Avatar username={user.username} size="sm" online={online} />
        <span className="directory__name">{user.username}</span>
        {user.guest && <span className="tag">guest</span>}
        {online && <span className="tag member__online">online</span>}
      </label>
    </li>
  );
}
