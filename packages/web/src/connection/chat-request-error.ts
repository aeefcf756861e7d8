import type { ChatAction, ChatErrorCode } from '@switchboard/chat/api';

/** Codes of failures that happen on the client's side of the socket. */
export type ClientErrorCode =
  /** The socket is not open (or closed before the answer came). */
  | 'DISCONNECTED'
  /** No answer within the request timeout. */
  | 'TIMEOUT';

/** A request the server refused (an `error` frame) or that could not complete. */
export class ChatRequestError extends Error {
  readonly code: ChatErrorCode | ClientErrorCode;
  readonly action: ChatAction | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ChatErrorCode | ClientErrorCode, message: string, action?: ChatAction, retryAfterMs?: number) {
    super(message);
    this.name = 'ChatRequestError';
    this.code = code;
    this.action = action;
    this.retryAfterMs = retryAfterMs;
  }

  /** `action` could not go out: the socket is not open (or not welcomed yet). */
  static notConnected(action: ChatAction): ChatRequestError {
    return new ChatRequestError('DISCONNECTED', 'Not connected.', action);
  }

  /**
   * The failure may pass: the same request later may succeed (the store was
   * down, a rate limit, a lost answer). A closed socket is not one: the next
   * `welcome` starts over.
   */
  get transient(): boolean {
    return transientCodes.has(this.code);
  }
}

const transientCodes = new Set<ChatErrorCode | ClientErrorCode>([
  'STORE_UNAVAILABLE',
  'RATE_LIMITED',
  'INTERNAL',
  'TIMEOUT',
]);
