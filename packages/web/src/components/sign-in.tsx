/** Sign in, create an account, or continue as a guest (docs/protocol.md, "HTTP endpoints"). */
import type { Session } from '@switchboard/chat/api';
import { type FormEvent, useId, useState } from 'react';
import { guest, HttpApiError, logIn, register } from '../http-api.ts';

interface SignInProps {
  onSession: (session: Session) => void;
  /** Why the user is here again (e.g. an expired session). */
  notice: string | null;
}

type Mode = 'signIn' | 'register';

export function SignIn({ onSession, notice }: SignInProps) {
  const [mode, setMode] = useState<Mode>('signIn');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function run(action: () => Promise<Session>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      onSession(await action());
    } catch (failure) {
      setError(failure instanceof HttpApiError ? failure.message : 'Something went wrong. Try again.');
      setBusy(false);
    }
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    const credentials = { username: username.trim(), password };
    void run(() => (mode === 'signIn' ? logIn(credentials) : register(credentials)));
  }

  return (
    <main className="sign-in">
      <div className="sign-in__card">
        <div className="brand">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <h1>Switchboard</h1>
        </div>
        <p className="sign-in__lead">Rooms, direct messages and search, in real time.</p>
        <div className="segmented" role="tablist" aria-label="Account">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'signIn'}
            data-testid="mode-sign-in"
            onClick={() => setMode('signIn')}
          >
            Sign in
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'register'}
            data-testid="mode-register"
            onClick={() => setMode('register')}
          >
            Create account
          </button>
        </div>
        <form onSubmit={submit} data-testid="sign-in-form" aria-describedby={`${id}-error`}>
          <label htmlFor={`${id}-username`}>Username</label>
          <input
            id={`${id}-username`}
            data-testid="username-input"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            minLength={3}
            maxLength={24}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            data-testid="password-input"
            type="password"
            autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
            maxLength={128}
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          {mode === 'register' && (
            <p className="hint">3–24 letters, digits, “_”, “.” or “-”; a password of 8 or more.</p>
          )}
          <div id={`${id}-error`} className="form-error" role="alert">
            {error ?? notice}
          </div>
          <button className="button button--primary" type="submit" disabled={busy} data-testid="sign-in-submit">
            {mode === 'signIn' ? 'Sign in' : 'Create account'}
          </button>
        </form>
        <div className="divider">
          <span>or</span>
        </div>
        <button
          className="button button--ghost"
          type="button"
          disabled={busy}
          data-testid="guest-button"
          onClick={() => void run(guest)}
        >
          Continue as guest
        </button>
      </div>
    </main>
  );
}
