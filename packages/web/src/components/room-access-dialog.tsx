/**
 * Who can get into a room (a native `<dialog>`: focus is kept inside, Escape
 * closes). Every member can add someone by username. The room's owner also
 * creates invite links (with an expiry and a number of uses), copies them,
 * revokes them, and makes the room public or private. The server checks all
 * of it again; the owner test here only decides what to show.
 */
import type { RoomInvite, RoomSummary } from '@switchboard/chat/api';
import { type FormEvent, type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { inviteLink } from '../state/invite-link.ts';
import { useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';

export interface RoomAccessDialogHandle {
  open: () => void;
}

interface RoomAccessDialogProps {
  ref: Ref<RoomAccessDialogHandle>;
  room: RoomSummary;
}

const hour = 3_600_000;
const lifetimes = [
  { label: '1 hour', ms: hour },
  { label: '1 day', ms: 24 * hour },
  { label: '7 days', ms: 7 * 24 * hour },
  { label: '30 days', ms: 30 * 24 * hour },
] as const;
const useCounts = [1, 5, 25, 100, 1000] as const;

export function RoomAccessDialog({ ref, room }: RoomAccessDialogProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [username, setUsername] = useState('');
  const [lifetime, setLifetime] = useState<number>(7 * 24 * hour);
  const [uses, setUses] = useState<number>(25);
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [invites, setInvites] = useState<readonly RoomInvite[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const linkField = useRef<HTMLInputElement>(null);
  const id = useId();
  // The server's rule (domain/room-permissions.ts `mayManageRoom`): the owner manages the room.
  const manager = room.role === 'owner';

  function failed(failure: Error): void {
    setError(failure.message);
  }

  function readInvites(): void {
    if (manager) client.admin.listInvites(room.id).then(setInvites, failed);
  }

  useImperativeHandle(ref, () => ({
    open: () => {
      setError(null);
      setStatus(null);
      setLink(null);
      setCopied(false);
      setInvites(null);
      dialog.current?.showModal();
      readInvites();
    },
  }));

  function invite(event: FormEvent): void {
    event.preventDefault();
    setError(null);
    const name = username.trim();
    client.admin.inviteMember(room.id, name).then(() => {
      setUsername('');
      setStatus(`Added ${name.toLowerCase()} to #${room.name}.`);
    }, failed);
  }

  function createLink(event: FormEvent): void {
    event.preventDefault();
    setError(null);
    client.admin.createInvite(room.id, { expiresInMs: lifetime, maxUses: uses }).then(({ token }) => {
      setLink(inviteLink(token));
      setCopied(false);
      readInvites();
      requestAnimationFrame(() => linkField.current?.select());
    }, failed);
  }

  function copy(): void {
    if (link === null) return;
    linkField.current?.select();
    navigator.clipboard?.writeText(link).then(
      () => setCopied(true),
      () => setStatus('Select the link and copy it (Ctrl+C).'),
    );
  }

  const visibilityLabel = room.visibility === 'private' ? 'Make public' : 'Make private';
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="room-access">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Invite people to #{room.name}
      </DialogHeader>
      <form className="inline-form" onSubmit={invite}>
        <label htmlFor={`${id}-username`} className="visually-hidden">
          Username to add
        </label>
        <input
          id={`${id}-username`}
          data-testid="invite-username"
          placeholder="username"
          required
          maxLength={64}
          autoComplete="off"
          value={username}
          onChange={(event) => setUsername(event.target.value)}
        />
        <button type="submit" className="button button--primary" data-testid="invite-submit">
          Add
        </button>
      </form>
      <p className="muted" role="status" data-testid="access-status">
        {status}
      </p>
      <div className="form-error" role="alert">
        {error}
      </div>
      {manager && (
        <>
          <h3 className="dialog__section">Invite link</h3>
          <form className="inline-form inline-form--wrap" onSubmit={createLink}>
            <label className="inline-form__field">
              Expires after
              <select
                data-testid="invite-expiry"
                value={lifetime}
                onChange={(event) => setLifetime(Number(event.target.value))}
              >
                {lifetimes.map((option) => (
                  <option key={option.ms} value={option.ms}>
                    {option.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline-form__field">
              Uses
              <select data-testid="invite-uses" value={uses} onChange={(event) => setUses(Number(event.target.value))}>
                {useCounts.map((count) => (
                  <option key={count} value={count}>
                    {count}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="button" data-testid="create-invite">
              Create link
            </button>
          </form>
          {link !== null && (
            <div className="inline-form">
              <label htmlFor={`${id}-link`} className="visually-hidden">
                Invite link (shown once)
              </label>
              <input id={`${id}-link`} ref={linkField} data-testid="invite-link" readOnly value={link} />
              <button type="button" className="button" data-testid="copy-invite" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          )}
          {invites !== null && invites.length > 0 && (
            <ul className="directory" data-testid="invite-list" aria-label="Invite links">
              {invites.map((entry) => (
                <li key={entry.id} className="directory__item" data-testid="invite">
                  <span className="directory__name">
                    {entry.uses} of {entry.maxUses} uses
                    <span className="muted directory__topic">{inviteState(entry)}</span>
                  </span>
                  {entry.revokedAt === null && entry.expiresAt > Date.now() && (
                    <button
                      type="button"
                      className="button button--small"
                      data-testid="revoke-invite"
                      onClick={() => client.admin.revokeInvite(entry.id).then(readInvites, failed)}
                    >
                      Revoke
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <h3 className="dialog__section">Room settings</h3>
          <p className="muted" data-testid="visibility-text">
            {room.visibility === 'private'
              ? 'Private: only members can find and read this room; others join by invitation.'
              : 'Public: listed in the room directory; anyone can join.'}
          </p>
          <button
            type="button"
            className="button"
            data-testid="toggle-visibility"
            onClick={() =>
              client.admin
                .setRoomVisibility(room.id, room.visibility === 'private' ? 'public' : 'private')
                .catch(failed)
            }
          >
            {visibilityLabel}
          </button>
        </>
      )}
    </dialog>
  );
}

function inviteState(invite: RoomInvite): string {
  if (invite.revokedAt !== null) return 'revoked';
  if (invite.expiresAt <= Date.now()) return 'expired';
  return `expires ${new Date(invite.expiresAt).toLocaleString()}`;
}
