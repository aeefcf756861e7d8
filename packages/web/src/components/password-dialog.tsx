/**
 * Changing your password (a native `<dialog>`): the current one and the new one
 * twice. The server ends every session of the account, this device's included,
 * and answers a new one for this device (`onChange`), so other devices and any
 * copied token are signed out (docs/protocol.md, "Tokens and sessions").
 */
import { type ChangePasswordRequest, ChatLimits } from '@switchboard/chat/api';
import { type FormEvent, type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { DialogHeader } from './dialog-header.tsx';

export interface PasswordDialogHandle {
  open: () => void;
}

interface PasswordDialogProps {
  ref: Ref<PasswordDialogHandle>;
  /** Changes the password on the server; rejects with the server's reason. */
  onChange: (passwords: ChangePasswordRequest) => Promise<void>;
}

export function PasswordDialog({ ref, onChange }: PasswordDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useImperativeHandle(ref, () => ({
    open: () => {
      setResult(null);
      dialog.current?.showModal();
    },
  }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (newPassword !== repeated) {
      setResult({ ok: false, text: 'The new password and its repetition differ.' });
      return;
    }
    setBusy(true);
    onChange({ currentPassword, newPassword }).then(
      () => {
        setCurrentPassword('');
        setNewPassword('');
        setRepeated('');
        setResult({ ok: true, text: 'Password changed. Your other devices are signed out.' });
        setBusy(false);
      },
      (error: Error) => {
        setResult({ ok: false, text: error.message });
        setBusy(false);
      },
    );
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="password-dialog">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Change password
      </DialogHeader>
      <form className="password-form" onSubmit={submit} aria-describedby={`${id}-result`}>
        <PasswordField
          label="Current password"
          testId="current-password-input"
          autoComplete="current-password"
          value={currentPassword}
          onChange={setCurrentPassword}
        />
        <PasswordField
          label="New password"
          testId="new-password-input"
          autoComplete="new-password"
          minLength={ChatLimits.passwordMinLength}
          value={newPassword}
          onChange={setNewPassword}
        />
        <PasswordField
          label="New password again"
          testId="repeat-password-input"
          autoComplete="new-password"
          value={repeated}
          onChange={setRepeated}
        />
        <p className="hint">
          {ChatLimits.passwordMinLength} to {ChatLimits.passwordMaxLength} characters. Every other device signed in to
          this account is signed out.
        </p>
        <div
          id={`${id}-result`}
          className={result?.ok ? 'form-notice' : 'form-error'}
          role="status"
          data-testid="password-result"
        >
          {result?.text}
        </div>
        <button className="button button--primary" type="submit" disabled={busy} data-testid="change-password-submit">
          Change password
        </button>
      </form>
    </dialog>
  );
}

interface PasswordFieldProps {
  label: string;
  testId: string;
  autoComplete: 'current-password' | 'new-password';
  minLength?: number;
  value: string;
  onChange: (value: string) => void;
}

function PasswordField({ label, testId, autoComplete, minLength, value, onChange }: PasswordFieldProps) {
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        type="password"
        autoComplete={autoComplete}
        required
        minLength={minLength}
        maxLength={ChatLimits.passwordMaxLength}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </>
  );
}
