/**
 * Signs the user in, then shows the chat; signing out (or an expired or revoked
 * session) comes back here. The session is renewed while the user stays signed
 * in, and tabs of one browser share it: signing in or out in one does it in all.
 */
import type { Session } from '@switchboard/chat/api';
import { useCallback, useEffect, useState } from 'react';
import { loadSession, saveSession, sessionKey } from '../session-storage.ts';
import { pendingInvite } from '../state/invite-link.ts';
import { ChatScreen } from './chat-screen.tsx';
import { SignIn } from './sign-in.tsx';
import { useSessionRefresh } from './use-session-refresh.ts';

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);

  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setSignedOutReason(null);
    setSession(next);
  }, []);

  const signOut = useCallback((reason: string | null) => {
    saveSession(null);
    setSignedOutReason(reason);
    setSession(null);
  }, []);

  useSessionRefresh(session, signIn, signOut);

  // Another tab signed in, renewed the token or signed out (`storage` fires in the other tabs only).
  useEffect(() => {
    const follow = (event: StorageEvent) => {
      if (event.key !== sessionKey) return;
      const next = loadSession();
      setSession(next);
      if (next === null) setSignedOutReason('You signed out in another tab.');
    };
    window.addEventListener('storage', follow);
    return () => window.removeEventListener('storage', follow);
  }, []);

  return session === null ? (
    <SignIn
      onSession={signIn}
      notice={signedOutReason ?? (pendingInvite() === null ? null : 'Sign in to join the room you were invited to.')}
    />
  ) : (
    // Keyed by the user, not the token: a renewed token keeps the chat (and its connection) as it is.
    <ChatScreen key={session.user.id} session={session} onSession={signIn} onSignOut={signOut} />
  );
}
