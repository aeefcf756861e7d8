/**
 * The chat's documented limits (docs/protocol.md, "Limits"). Clients may import
 * them; the service enforces them. Rate limits, which operators may tune, are
 * in rate-limits.ts.
 */
export const ChatLimits = {
  /** Longest message text, in Unicode code points (as JSON Schema's `maxLength` counts). */
  messageMaxLength: 4000,
  /** Combining marks allowed in a row on one character (domain/text.ts). */
  combiningMarksMax: 8,
  /** Longest reaction emoji, in UTF-16 code units (the longest RGI emoji sequences take 15). */
  reactionEmojiMaxLength: 32,
  /** Different emoji on one message. */
  reactionEmojiMaxPerMessage: 20,
  /** Reactions on one message, all emoji together (each carries its reactor, so this bounds the message's size). */
  reactionsMaxPerMessage: 256,
  /** Different `@names` looked up per message; later ones are not mentions (`@room` is always recognised). */
  mentionsMaxPerMessage: 20,
  /** Pinned messages per room. */
  pinsMaxPerRoom: 25,
  /** Longest room topic, in Unicode code points. */
  topicMaxLength: 250,
  /** Longest client message id. */
  clientMessageIdMaxLength: 64,
  /** History page size when none is asked for, and the largest allowed. */
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  /** Thread replies per `thread` page when none is asked for, and the largest allowed (fewer when they would not fit in one frame). */
  threadDefaultLimit: 50,
  threadMaxLimit: 100,
  /** Followed threads per `threads` page (fewer when they would not fit in one frame). */
  threadsPageSize: 50,
  /** Events per room in one catch-up answer (fewer when they would not fit in one frame); `hasMore` says when more follow. */
  catchUpPageSize: 200,
  /** Rooms in one catch-up request. */
  catchUpMaxRooms: 200,
  /** Room heads in one `pong` (fewer when they would not fit in one frame); `hasMore` says when more follow. */
  headsPageSize: 1000,
  /**
   * How long before a heartbeat's `since` a `pong` still looks for rooms that
   * moved. A room's head is stamped with the writing node's clock before its
   * write commits, so the margin covers clocks that differ between nodes and
   * writes that take long to commit (up to API Gateway's 29 s integration
   * timeout). A room may so be named in two heartbeats in a row; a client
   * compares each head with what it applied.
   */
  headsLookbackMs: 30_000,
  /**
   * Largest frame the chat sends: API Gateway's limit for a WebSocket message
   * (128 KB; apigw-websocket-spec section 3.1 and the service quotas). Every
   * answer is built to fit, and lists longer than that come in pages.
   */
  answerMaxBytes: 131_072,
  /** The user's rooms per page of `welcome` and `rooms`; the room directory per page of `rooms`. */
  roomsPageSize: 100,
  directoryPageSize: 100,
  /** Members per `members` page; online users per `online` page (and in `welcome`). */
  membersPageSize: 100,
  /** Bans per `bans` page. */
  bansPageSize: 100,
  /** Audit log entries per `auditLog` answer (fewer when they would not fit in one frame). */
  auditPageSize: 50,
  onlinePageSize: 100,
  /** People in a group direct conversation, its starter included: at least 3 (two people have a direct conversation), at most 8. */
  groupMinMembers: 3,
  groupMaxMembers: 8,
  /** Users per `findUsers` page (fewer when they would not fit in one frame). */
  userLookupPageSize: 20,
  /** Longest `findUsers` query, in characters: a username's longest, with a leading `@`. */
  userLookupQueryMaxLength: 25,
  /** Longest page cursor a request may carry (they are opaque; the server's are far shorter). */
  cursorMaxLength: 512,
  /** Search results when none is asked for, and the largest allowed. */
  searchDefaultLimit: 20,
  searchMaxLimit: 50,
  /** Longest search query, in characters. */
  searchQueryMaxLength: 200,
  /** A `typing` frame is broadcast at most once per user and room in this interval; extra frames are dropped. */
  typingIntervalMs: 2000,
  /** How long a client shows a typing indicator after the last `typing` frame (sent in the frame as `ttlMs`). */
  typingTtlMs: 5000,
  /** Password length bounds. */
  passwordMinLength: 8,
  passwordMaxLength: 128,
} as const;
