/** Keeps the signed-in session across reloads (per browser profile), until it expires or the user signs out. */
import type { Session } from '@switchboard/chat/api';
import { type ServerConfig, serverConfig } from './server-config.ts';

/** The `localStorage` key of the session (tabs watch it to follow each other). */
export const sessionKey = 'switchboard.session';

export function loadSession(now = Date.now()): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(sessionKey) ?? 'null') as Session | null;
    return session !== null && session.expiresAt > now ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session === null) localStorage.removeItem(sessionKey);
  else localStorage.setItem(sessionKey, JSON.stringify(session));
}

/** `localStorage`, or null where the browser refuses it (some private windows, disabled storage). */
export function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** This tab's `sessionStorage` (it outlives a reload, not the tab), or null where the browser refuses it. */
export function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * The WebSocket URL: the configured one, else on this page's origin. Browsers
 * cannot send headers, so the token rides in the query.
 */
export function webSocketUrl(
  token: string,
  location: Location = window.location,
  config: ServerConfig = serverConfig(),
): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const base = config.webSocketUrl ?? `${scheme}://${location.host}/ws`;
  return `${base}?token=${encodeURIComponent(token)}`;
}
