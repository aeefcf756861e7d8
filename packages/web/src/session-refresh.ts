/**
 * When to renew the session token (docs/protocol.md, "Tokens and sessions"): a
 * client that stays signed in refreshes when less than half of the token's
 * lifetime is left. The lifetime is read from the token's own `iat` and `exp`
 * claims (a JWT payload is plain base64url JSON; the client does not verify it,
 * the server does). `iat` is the server's clock: once this page has renewed a
 * token, the next renewal counts from that moment on the page's own clock, so a
 * device whose clock is off renews at most once too early, not in a loop.
 */
import type { Session } from '@switchboard/chat/api';

/** The longest delay `setTimeout` takes (about 24.8 days); a later refresh is scheduled again then. */
export const maxTimerMs = 2 ** 31 - 1;

/**
 * Milliseconds until the session should be refreshed (0: now), or null when its
 * token tells nothing usable. `renewedAt`: when this page received the token
 * (null for a token it did not renew itself).
 */
export function refreshDelay(session: Session, now: number, renewedAt: number | null = null): number | null {
  const claims = tokenClaims(session.token);
  if (claims === null) return null;
  const lifetime = (claims.exp - claims.iat) * 1000;
  if (!(lifetime > 0)) return null;
  return Math.max(0, (renewedAt ?? claims.iat * 1000) + lifetime / 2 - now);
}

/** The `iat` and `exp` claims of a JWT, or null when it is not one. */
export function tokenClaims(token: string): { iat: number; exp: number } | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    const claims = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    return typeof claims.iat === 'number' && typeof claims.exp === 'number'
      ? { iat: claims.iat, exp: claims.exp }
      : null;
  } catch {
    return null;
  }
}
