/**
 * The chat's documented limits (docs/protocol.md, "Limits"). Clients may import
 * them; the service enforces them.
 */
export const ChatLimits = {
  /** Longest message text, in Unicode code points (as JSON Schema's `maxLength` counts). */
  messageMaxLength: 4000,
  /** Longest client message id. */
  clientMessageIdMaxLength: 64,
  /** History page size when none is asked for, and the largest allowed. */
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  /** Events per room in one catch-up answer; `hasMore` says when more follow. */
  catchUpPageSize: 200,
  /** Rooms in one catch-up request. */
  catchUpMaxRooms: 200,
  /** Search results when none is asked for, and the largest allowed. */
  searchDefaultLimit: 20,
  searchMaxLimit: 50,
  /** Longest search query, in characters. */
  searchQueryMaxLength: 200,
  /** A `typing` frame is broadcast at most once per user and room in this interval; extra frames are dropped. */
  typingIntervalMs: 2000,
  /** How long a client shows a typing indicator after the last `typing` frame (sent in the frame as `ttlMs`). */
  typingTtlMs: 5000,
  /** Failed log-ins allowed per username in `loginFailureWindowMs`; further attempts get `RATE_LIMITED`. */
  loginFailureLimit: 5,
  loginFailureWindowMs: 15 * 60 * 1000,
  /** Password length bounds. */
  passwordMinLength: 8,
  passwordMaxLength: 128,
} as const;
