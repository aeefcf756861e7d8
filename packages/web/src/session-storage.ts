/** Keeps the signed-in session across reloads (per browser profile), until it expires or the user signs out. */
import type { Session } from '@switchboard/chat/api';

const key = 'switchboard.session';

export function loadSession(now = Date.now()): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(key) ?? 'null') as Session | null;
    return session !== null && session.expiresAt > now ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session === null) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(session));
}

/** The WebSocket URL on this page's origin; browsers cannot send headers, so the token rides in the query. */
export function webSocketUrl(token: string, location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}
