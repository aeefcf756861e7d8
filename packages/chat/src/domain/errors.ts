/**
 * Typed errors of the chat. Every error has a stable `code` that clients switch
 * on (sent in `{"type":"error"}` frames and HTTP error bodies) and the HTTP status
 * the HTTP endpoints answer with. The registry is documented in docs/protocol.md
 * ("Error codes") and guarded by test/errors.test.ts.
 */

export const ChatErrorCode = {
  /** A field is present and well-formed JSON but its value is not acceptable. */
  BAD_REQUEST: { status: 400, message: 'The request is not valid.' },
  /** Username outside the rules (3-24 of `a-z 0-9 _ . -`, starting with a letter or digit). */
  INVALID_USERNAME: { status: 400, message: 'Usernames are 3 to 24 characters: letters, digits, "_", "." or "-".' },
  /** Password shorter than 8 or longer than 128 characters. */
  INVALID_PASSWORD: { status: 400, message: 'Passwords are 8 to 128 characters.' },
  /** The username belongs to another user (compared case-insensitively). */
  USERNAME_TAKEN: { status: 409, message: 'That username is taken.' },
  /** Unknown username or wrong password (deliberately indistinguishable). */
  BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password.' },
  /** A rate limit refused the call (domain/rate-limits.ts); `retryAfterMs` tells how long to wait. */
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Try again later.' },
  /** The account has the most open WebSocket connections allowed (`$connect` answers 429). */
  TOO_MANY_CONNECTIONS: { status: 429, message: 'Too many open connections for this account. Close one first.' },
  /** Missing, malformed or expired token, or a connection the server does not know. */
  UNAUTHENTICATED: { status: 401, message: 'Sign in again.' },
  /** Room name outside the rules (2-32 of `a-z 0-9 _ -`, starting with a letter or digit). */
  INVALID_ROOM_NAME: { status: 400, message: 'Room names are 2 to 32 characters: letters, digits, "_" or "-".' },
  /** A room with that name exists. */
  ROOM_NAME_TAKEN: { status: 409, message: 'A room with that name exists.' },
  /** No such room, or a direct conversation the caller is not part of (never disclosed). */
  ROOM_NOT_FOUND: { status: 404, message: 'No such room.' },
  /** The caller is not a member of the room. */
  NOT_A_MEMBER: { status: 403, message: 'You are not a member of this room.' },
  /** Join, leave or create does not apply to direct conversations, and they have no topic. */
  DIRECT_CONVERSATION: { status: 400, message: 'Direct conversations cannot be joined or left.' },
  /** No such user (for `openDirect` and `openGroup`). */
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  /** A group conversation of fewer than 3 or more than 8 people, its starter included (`openGroup`). */
  GROUP_SIZE: { status: 400, message: 'A group conversation has 3 to 8 people, you included.' },
  /** The same person named twice in `openGroup`, or the caller named (the starter is always in it). */
  DUPLICATE_MEMBER: { status: 400, message: 'Name each other person once; you are in the conversation already.' },
  /** No such message, or one in a room the caller cannot read. */
  MESSAGE_NOT_FOUND: { status: 404, message: 'No such message.' },
  /** Editing or deleting someone else's message. */
  NOT_YOUR_MESSAGE: { status: 403, message: 'You can only change your own messages.' },
  /** Editing a deleted message. */
  MESSAGE_DELETED: { status: 409, message: 'The message was deleted.' },
  /** Replying in a thread to a message that is itself a thread reply (threads are one level deep), or reading one as a thread. */
  NOT_A_THREAD_ROOT: { status: 409, message: 'Reply in the thread of the original message instead.' },
  /** Managing a room one does not own (its visibility, invite links, admins): its creator owns it. */
  NOT_ROOM_OWNER: { status: 403, message: 'Only the room’s owner can do that.' },
  /** `@room` in a message by someone who may not notify the whole room (domain/room-permissions.ts). */
  ROOM_MENTION_NOT_ALLOWED: { status: 403, message: 'Only the room’s owner and admins can mention @room.' },
  /** Inviting someone who already is a member of the room. */
  ALREADY_A_MEMBER: { status: 409, message: 'That user is already a member of this room.' },
  /** An invite link that does not exist or whose secret does not match (never disclosed which). */
  INVITE_NOT_FOUND: { status: 404, message: 'This invite link is not valid.' },
  /** An invite link past its expiry. */
  INVITE_EXPIRED: { status: 410, message: 'This invite link has expired.' },
  /** An invite link used as many times as it allows. */
  INVITE_USED_UP: { status: 410, message: 'This invite link has been used up.' },
  /** An invite link its room's owner revoked. */
  INVITE_REVOKED: { status: 410, message: 'This invite link has been revoked.' },
  /** Moderating (removing a member, deleting another's message, read-only, the topic) without being the room's owner or an admin. */
  NOT_ROOM_MODERATOR: { status: 403, message: 'Only the room’s owner and admins can do that.' },
  /** Removing the room's owner, or an admin removing another admin: only someone of a higher role may. */
  CANNOT_MODERATE_MEMBER: { status: 403, message: 'You cannot do that to the room’s owner or another admin.' },
  /** The user named is not a member of the room. */
  MEMBER_NOT_FOUND: { status: 404, message: 'That user is not a member of this room.' },
  /** Joining (or being added to) a room whose owner or admins removed and banned you. */
  BANNED_FROM_ROOM: { status: 403, message: 'You were banned from this room.' },
  /** Signing in to an account a server admin deactivated. */
  ACCOUNT_DEACTIVATED: { status: 403, message: 'This account has been deactivated.' },
  /** Reading every room's audit log or deactivating an account without being a server admin (`CHAT_ADMINS`). */
  NOT_SERVER_ADMIN: { status: 403, message: 'Only the server’s admins can do that.' },
  /** Posting in a read-only room without being its owner or an admin. */
  ROOM_READ_ONLY: { status: 403, message: 'This room is read-only: only its owner and admins can post.' },
  /** A topic longer than 250 characters. */
  TOPIC_TOO_LONG: { status: 413, message: 'Topics are at most 250 characters.' },
  /** Pinning a message in a room that has the most pinned messages allowed (25). */
  TOO_MANY_PINS: { status: 409, message: 'This room has the most pinned messages allowed. Unpin one first.' },
  /** A reaction that is not a single emoji (or is longer than 32 UTF-16 code units). */
  INVALID_EMOJI: { status: 400, message: 'A reaction is a single emoji.' },
  /** Adding a reaction would pass a per-message limit (20 different emoji, 256 reactions). */
  TOO_MANY_REACTIONS: { status: 409, message: 'This message has the most reactions allowed.' },
  /** Text longer than 4000 characters. */
  MESSAGE_TOO_LONG: { status: 413, message: 'Messages are at most 4000 characters.' },
  /** Text with no visible character: empty, or only white space, invisible or format characters. */
  EMPTY_MESSAGE: { status: 400, message: 'A message needs some visible text.' },
  /** Text with bidi override, embedding or isolate characters, or a pile of combining marks. */
  UNSAFE_TEXT: { status: 400, message: 'The text contains characters that could disguise it.' },
  /** A file larger than the deployment's limit (`FileLimits.maxBytes`, 10 MiB by default), or not the size announced. */
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than allowed.' },
  /** A file whose type is not allowed, or whose content is not what its type says (checked from its first bytes). */
  FILE_TYPE_NOT_ALLOWED: { status: 415, message: 'Files of this type cannot be attached.' },
  /** No such file: never uploaded, not yours to attach, not on that message, or its message was deleted. */
  FILE_NOT_FOUND: { status: 404, message: 'No such file.' },
  /** More attachments on one message than allowed (`FileLimits.maxPerMessage`, 4 by default). */
  TOO_MANY_ATTACHMENTS: { status: 400, message: 'Too many attachments on one message.' },
  /** The disk that keeps files (and, in one process, the database) is nearly full: uploads wait until there is room. */
  STORAGE_FULL: { status: 507, message: 'The server has no room for more files right now.' },
  /** This deployment keeps no files (no file store is configured). */
  FILES_NOT_ENABLED: { status: 501, message: 'File attachments are not enabled on this deployment.' },
  /** The store could not be reached or refused the write; nothing was acknowledged. */
  STORE_UNAVAILABLE: { status: 503, message: 'The chat cannot store data right now. Retry shortly.' },
  /** This deployment's store has no full-text search (every store of this project has one; kept for other adapters). */
  SEARCH_NOT_ENABLED: { status: 501, message: 'Search is not enabled on this deployment.' },
  /** An unexpected server fault. */
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ChatErrorCode = keyof typeof ChatErrorCode;

export interface ChatErrorOptions extends ErrorOptions {
  /** For `RATE_LIMITED`: how long until a retry may succeed. */
  retryAfterMs?: number;
}

/** The JSON body of an HTTP error and the payload of an `error` frame. */
export interface ChatErrorBody {
  code: ChatErrorCode;
  message: string;
  retryAfterMs?: number;
}

export class ChatError extends Error {
  readonly code: ChatErrorCode;
  /** HTTP status for the HTTP endpoints. */
  readonly status: number;
  readonly retryAfterMs: number | undefined;

  /** `message` defaults to the registry's text for `code`. */
  constructor(code: ChatErrorCode, message: string = ChatErrorCode[code].message, options: ChatErrorOptions = {}) {
    super(message, options);
    this.name = 'ChatError';
    this.code = code;
    this.status = ChatErrorCode[code].status;
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): ChatErrorBody {
    const body: ChatErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }
}

/** Any thrown value as a `ChatError`: unknown faults become `INTERNAL` (with the original as `cause`). */
export function toChatError(error: unknown): ChatError {
  return error instanceof ChatError ? error : new ChatError('INTERNAL', undefined, { cause: error });
}

export function isChatError(error: unknown, code?: ChatErrorCode): error is ChatError {
  return error instanceof ChatError && (code === undefined || error.code === code);
}
