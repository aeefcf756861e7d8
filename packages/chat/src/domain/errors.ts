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
  /** Too many attempts; wait and retry (`retryAfterMs` tells how long when known). */
  RATE_LIMITED: { status: 429, message: 'Too many attempts. Try again later.' },
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
  /** Join, leave or create does not apply to direct conversations. */
  DIRECT_CONVERSATION: { status: 400, message: 'Direct conversations cannot be joined or left.' },
  /** No such user (for `openDirect`). */
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  /** No such message, or one in a room the caller cannot read. */
  MESSAGE_NOT_FOUND: { status: 404, message: 'No such message.' },
  /** Editing or deleting someone else's message. */
  NOT_YOUR_MESSAGE: { status: 403, message: 'You can only change your own messages.' },
  /** Editing a deleted message. */
  MESSAGE_DELETED: { status: 409, message: 'The message was deleted.' },
  /** Text longer than 4000 characters. */
  MESSAGE_TOO_LONG: { status: 413, message: 'Messages are at most 4000 characters.' },
  /** Text empty or only white space. */
  EMPTY_MESSAGE: { status: 400, message: 'A message needs some text.' },
  /** The store could not be reached or refused the write; nothing was acknowledged. */
  STORE_UNAVAILABLE: { status: 503, message: 'The chat cannot store data right now. Retry shortly.' },
  /** This deployment has no full-text search (the DynamoDB store on AWS, until a search index exists). */
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
