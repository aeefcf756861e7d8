/**
 * Invite links in the browser: `<origin>/#invite=<token>`. The token rides in
 * the fragment, which the browser never sends to a server. Opening one keeps
 * the token in this tab's `sessionStorage` (and takes it out of the address
 * bar) until the chat has redeemed it, so it survives signing in first.
 */

const storageKey = 'switchboard.pendingInvite';
const fragment = /^#invite=([\w.-]{1,128})$/;

function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** Keeps the invite token of the page's address, if it has one, and clears it from the address bar. */
export function captureInviteLink(): void {
  const match = fragment.exec(window.location.hash);
  if (!match) return;
  tabStorage()?.setItem(storageKey, match[1]!);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

/** The token of an invite link opened in this tab and not redeemed yet. */
export function pendingInvite(): string | null {
  return tabStorage()?.getItem(storageKey) ?? null;
}

export function clearPendingInvite(): void {
  tabStorage()?.removeItem(storageKey);
}

/** The link to share for an invite token, on this page's origin. */
export function inviteLink(token: string): string {
  return `${window.location.origin}${window.location.pathname}#invite=${token}`;
}
