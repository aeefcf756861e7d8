/** Why the chat server could not start; `main.ts` prints the message and exits non-zero. */
export const ChatServerErrorCode = {
  /** The port is taken by another process (or not allowed to this user). */
  portUnavailable: 'CHAT_SERVER_PORT_UNAVAILABLE',
  /** The data directory cannot be created or written, or its database cannot be opened. */
  dataDir: 'CHAT_SERVER_DATA_DIR',
  /** A setting is missing, malformed or contradicts another (the message names it). */
  config: 'CHAT_SERVER_CONFIG',
  /** The database (`DATABASE_URL`) cannot be reached, refuses the chat, or holds a newer schema. */
  database: 'CHAT_SERVER_DATABASE',
  /** The cluster's Redis (`REDIS_URL`) cannot be reached. */
  redis: 'CHAT_SERVER_REDIS',
} as const;

export type ChatServerErrorCode = (typeof ChatServerErrorCode)[keyof typeof ChatServerErrorCode];

export class ChatServerError extends Error {
  readonly code: ChatServerErrorCode;

  constructor(code: ChatServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChatServerError';
    this.code = code;
  }
}
