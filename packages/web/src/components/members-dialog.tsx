/**
 * A room's members, by username, with who is online and each one's role (a
 * native `<dialog>`: focus is kept inside, Escape closes). Big rooms come in
 * pages of 100, read on as the list is scrolled; choosing someone opens a
 * direct conversation with them, and ticking several starts a group conversation.
 *
 * For the room's owner and admins it is also where the room is moderated: the
 * owner makes members admins and back, the owner and admins remove members of a
 * lower role, or remove and ban them (a second press confirms), see who is banned
 * and lift a ban, make the room read-only and read its moderation log. The server
 * decides (docs/protocol.md, "Roles and moderation"); these controls only
 * appear where it would agree.
 */
import { outranks, type RoomId, type RoomRole } from '@switchboard/chat/api';
import { type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { emptyMemberList } from '../state/member-list.ts';
import { AuditLog } from './audit-log.tsx';
import { Avatar } from './avatar.tsx';
import { BannedList } from './banned-list.tsx';
import { useChat, useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';
import { LoadMore } from './load-more.tsx';
import { usePeopleSelection } from './use-people-selection.ts';

/** What the dialog shows below its moderation controls, one at a time, each with its toggle. */
const moderationViews = [
  { view: 'bans', label: 'Banned', hideLabel: 'Hide banned', testId: 'bans-toggle' },
  { view: 'log', label: 'Moderation log', hideLabel: 'Hide moderation log', testId: 'audit-log-toggle' },
] as const;

type ModerationView = (typeof moderationViews)[number]['view'];

export interface MembersDialogHandle {
  open: () => void;
}

interface MembersDialogProps {
  ref: Ref<MembersDialogHandle>;
  roomId: RoomId;
  roomName: string;
  /** The viewer's role in the room. */
  role: RoomRole;
  readOnly: boolean;
}

export function MembersDialog({ ref, roomId, roomName, role, readOnly }: MembersDialogProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const list = useChat((state) => state.members[roomId]) ?? emptyMemberList;
  const me = useChat((state) => state.me);
  const serverAdmin = useChat((state) => state.serverAdmin);
  const [shown, setShown] = useState<ModerationView | null>(null);
  const id = useId();
  const selection = usePeopleSelection();
  const report = (error: Error) => client.notify(error.message);

  useImperativeHandle(ref, () => ({
    open: () => {
      selection.clear();
      dialog.current?.showModal();
    },
  }));

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={`${id}-title`}
      data-testid="members-dialog"
      onClose={() => setShown(null)}
    >
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Members of #{roomName}
      </DialogHeader>
      {role !== 'member' && (
        <div className="members__moderation">
          <label className="members__read-only">
            <input
              type="checkbox"
              checked={readOnly}
              data-testid="read-only-toggle"
              onChange={(event) => client.admin.setReadOnly(roomId, event.target.checked).catch(report)}
            />{' '}
            Read-only: only the owner and admins can post
          </label>
          <span className="members__views">
            {moderationViews.map(({ view, label, hideLabel, testId }) => (
              <button
                key={view}
                type="button"
                className="button button--small button--ghost"
                data-testid={testId}
                aria-expanded={shown === view}
                onClick={() => setShown(shown === view ? null : view)}
              >
                {shown === view ? hideLabel : label}
              </button>
            ))}
          </span>
        </div>
      )}
      {role !== 'member' && shown === 'log' && <AuditLog roomId={roomId} />}
      {role !== 'member' && shown === 'bans' && <BannedList roomId={roomId} />}
      <ul className="directory" data-testid="member-list">
        {list.members.map((member) => {
          const { user, online } = member;
          const isMe = user.id === me?.id;
          const removable = !isMe && outranks(role, member.role);
          return (
            <li
              key={user.id}
              className="directory__item members__item"
              data-testid="member"
              data-username={user.username}
              data-role={member.role}
            >
              {isMe ? (
                <span className="member__pick" />
              ) : (
                <input
                  type="checkbox"
                  className="member__pick"
                  aria-label={`Pick ${user.username}`}
                  data-testid="member-pick"
                  checked={selection.isSelected(user.id)}
                  onChange={() => selection.toggle(user)}
                />
              )}
              <Avatar username={user.username} size="sm" online={online} />
              <span className="directory__name member__name">
                {user.username}
                {isMe && <span className="muted"> (you)</span>}
              </span>
              {member.role !== 'member' && (
                <span className="tag member__role" data-testid="member-role">
                  {member.role}
                </span>
              )}
              {online && <span className="tag member__online">online</span>}
              <span className="members__actions">
                {!isMe && (
                  <button
                    type="button"
                    className="button button--small"
                    aria-label={`Message ${user.username}`}
                    onClick={() => client.openDirect(user.id).then(() => dialog.current?.close(), report)}
                  >
                    Message
                  </button>
                )}
                {role === 'owner' && member.role !== 'owner' && (
                  <button
                    type="button"
                    className="button button--small button--ghost"
                    data-testid="toggle-admin"
                    aria-label={
                      member.role === 'admin' ? `Make ${user.username} a member` : `Make ${user.username} an admin`
                    }
                    onClick={() =>
                      client.admin
                        .setMemberRole(roomId, user.id, member.role === 'admin' ? 'member' : 'admin')
                        .catch(report)
                    }
                  >
                    {member.role === 'admin' ? 'Make member' : 'Make admin'}
                  </button>
                )}
                {serverAdmin && !isMe && !user.guest && (
                  <TwoStepButton
                    label="Deactivate"
                    confirmLabel="Confirm deactivation"
                    testId="deactivate-user"
                    confirmTestId="confirm-deactivate"
                    ariaLabel={`Deactivate ${user.username}’s account`}
                    confirmAriaLabel={`Confirm deactivating ${user.username}’s account`}
                    onConfirm={() =>
                      client.admin
                        .deactivateUser(user.id)
                        .then(() => client.notify(`${user.username} is deactivated.`), report)
                    }
                  />
                )}
                {removable && (
                  <TwoStepButton
                    label="Remove"
                    confirmLabel="Confirm removal"
                    testId="remove-member"
                    confirmTestId="confirm-remove-member"
                    ariaLabel={`Remove ${user.username} from #${roomName}`}
                    confirmAriaLabel={`Confirm removing ${user.username}`}
                    onConfirm={() => client.admin.removeMember(roomId, user.id).catch(report)}
                  />
                )}
                {removable && (
                  <TwoStepButton
                    label="Ban"
                    confirmLabel="Confirm ban"
                    testId="ban-member"
                    confirmTestId="confirm-ban-member"
                    ariaLabel={`Remove and ban ${user.username} from #${roomName}`}
                    confirmAriaLabel={`Confirm removing and banning ${user.username}`}
                    onConfirm={() =>
                      client.admin
                        .removeMember(roomId, user.id, { ban: true })
                        .then(
                          () =>
                            client.notify(`${user.username} is banned: only the owner or an admin can add them back.`),
                          report,
                        )
                    }
                  />
                )}
              </span>
            </li>
          );
        })}
        {list.nextCursor !== null && (
          <li className="directory__more">
            <LoadMore
              cursor={list.nextCursor}
              loading={list.loading}
              label="More members"
              testId="members-more"
              onLoad={() => client.loadMoreMembers(roomId).catch(report)}
            />
          </li>
        )}
      </ul>
      {selection.selected.length > 0 && (
        <div className="dialog__actions">
          <button
            type="button"
            className="button button--primary"
            data-testid="members-start"
            disabled={!selection.canStart}
            onClick={() =>
              selection.start().then(
                () => dialog.current?.close(),
                (error: Error) => client.notify(error.message),
              )
            }
          >
            {selection.action}
          </button>
        </div>
      )}
    </dialog>
  );
}

interface TwoStepButtonProps {
  label: string;
  confirmLabel: string;
  testId: string;
  confirmTestId: string;
  ariaLabel: string;
  confirmAriaLabel: string;
  onConfirm: () => void;
}

/**
 * A button for an action that cannot be undone from here (remove, deactivate):
 * the first press turns it into a confirmation, which takes focus; leaving it
 * (Tab, a click elsewhere) takes the question back.
 */
function TwoStepButton({
  label,
  confirmLabel,
  testId,
  confirmTestId,
  ariaLabel,
  confirmAriaLabel,
  onConfirm,
}: TwoStepButtonProps) {
  const [confirming, setConfirming] = useState(false);
  return confirming ? (
    <button
      type="button"
      className="button button--small button--danger"
      data-testid={confirmTestId}
      aria-label={confirmAriaLabel}
      // biome-ignore lint/a11y/noAutofocus: the next step of a deliberate two-step action.
      autoFocus
      onBlur={() => setConfirming(false)}
      onClick={() => {
        setConfirming(false);
        onConfirm();
      }}
    >
      {confirmLabel}
    </button>
  ) : (
    <button
      type="button"
      className="button button--small button--ghost"
      data-testid={testId}
      aria-label={ariaLabel}
      onClick={() => setConfirming(true)}
    >
      {label}
    </button>
  );
}
