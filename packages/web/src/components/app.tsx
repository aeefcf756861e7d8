/** Signs the user in, then shows the chat; signing out (or an expired token) comes back here. */
import type { Session } from '@switchboard/chat/api';
import { useCallback, useState } from 'react';
import { loadSession, saveSession } from '../session-storage.ts';
import { ChatScreen } from './chat-screen.tsx';
import { SignIn } from './sign-in.tsx';

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

  return session === null ? (
    <SignIn onSession={signIn} notice={signedOutReason} />
  ) : (
    <ChatScreen key={session.token} session={session} onSignOut={signOut} />
  );
}
