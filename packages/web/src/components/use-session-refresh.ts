/**
 * Keeps a signed-in session alive: renews its token when less than half of its
 * lifetime is left (session-refresh.ts), at start and then on a timer. A
 * refused refresh (401) ends the session; a server without the refresh endpoint
 * (404) is left alone; a failure to reach the server is tried again later.
 */
import type { Session } from '@switchboard/chat/api';
import { useEffect, useRef } from 'react';
import { type HttpApiError, refreshSession } from '../http-api.ts';
import { maxTimerMs, refreshDelay } from '../session-refresh.ts';

/** After a failed attempt (the server unreachable or in trouble). */
const retryMs = 60_000;

export function useSessionRefresh(
  session: Session | null,
  onRefreshed: (session: Session) => void,
  onEnded: (reason: string) => void,
): void {
  /** When this page last renewed the token (its own clock). */
  const renewedAt = useRef<number | null>(null);
  useEffect(() => {
    if (session === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const attempt = (): void => {
      const delay = refreshDelay(session, Date.now(), renewedAt.current);
      if (delay === null) return;
      if (delay > 0) {
        timer = setTimeout(attempt, Math.min(delay, maxTimerMs));
        return;
      }
      refreshSession(session.token).then(
        (next) => {
          if (stopped) return;
          renewedAt.current = Date.now();
          onRefreshed(next);
        },
        (error: HttpApiError) => {
          if (stopped || error.status === 404 || error.status === 405) return;
          if (error.status === 401) onEnded('Your session ended. Sign in again.');
          else timer = setTimeout(attempt, retryMs);
        },
      );
    };
    attempt();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session, onRefreshed, onEnded]);
}
