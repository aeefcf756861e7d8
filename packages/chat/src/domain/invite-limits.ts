/** Bounds of invite links (docs/protocol.md, "Private rooms and invites"). */
export const InviteLimits = {
  /** Longest lifetime of an invite link, and the one it gets when none is asked for (7 days). */
  maxLifetimeMs: 30 * 24 * 60 * 60 * 1000,
  defaultLifetimeMs: 7 * 24 * 60 * 60 * 1000,
  /** Shortest lifetime (a minute). */
  minLifetimeMs: 60 * 1000,
  /** Most people one link may let in, and the default. */
  maxUses: 1000,
  defaultMaxUses: 25,
  /** Invite links in one `invites` answer: the newest ones. */
  listSize: 50,
  /** Longest token a request may carry (the server's are 49 characters). */
  tokenMaxLength: 128,
} as const;
