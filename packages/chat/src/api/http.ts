/**
 * The chat's HTTP endpoints (docs/protocol.md, "HTTP endpoints"): what a browser
 * needs before it has a WebSocket token, plus search. Bodies are JSON; errors
 * answer with the code's HTTP status and a `ChatErrorBody`.
 */
import type { ChatErrorBody } from '../domain/errors.ts';
import type { SearchResult, Session } from '../domain/types.ts';

export const HttpRoute = {
  /** `RegisterRequest` -> 201 `Session`. */
  register: '/api/register',
  /** `LogInRequest` -> 200 `Session`. */
  logIn: '/api/login',
  /** `{}` -> 201 `Session` for a new guest. */
  guest: '/api/guest',
  /** `SearchHttpRequest` with `Authorization: Bearer <token>` -> 200 `SearchHttpResponse`. */
  search: '/api/search',
  /** `{}` with `Authorization: Bearer <token>` -> 200 `Session`: a new token; the old one stops working. */
  refresh: '/api/refresh',
  /** `{}` with `Authorization: Bearer <token>` -> 204: the token stops working. */
  logOut: '/api/logout',
  /**
   * `ChangePasswordRequest` with `Authorization: Bearer <token>` -> 200 `Session`: every
   * session of the account ends and its connections close; the new one is the caller's.
   */
  password: '/api/password',
  /** `CreateUploadRequest` with `Authorization: Bearer <token>` -> 201 `NewUpload` (docs/protocol.md, "Files"). */
  files: '/api/files',
} as const;

export type HttpRoute = (typeof HttpRoute)[keyof typeof HttpRoute];

export interface RegisterRequest {
  username: string;
  password: string;
}

export type LogInRequest = RegisterRequest;

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface SearchHttpRequest {
  query: string;
  roomId?: string;
  limit?: number;
}

export interface CreateUploadRequest {
  roomId: string;
  /** The MIME type the bytes will be sent as. */
  type: string;
  /** Exactly how many bytes will be sent. */
  size: number;
}

/** The answer to `POST /api/files` (`NewUpload` in domain/use-cases/files.ts). */
export interface NewUploadResponse {
  /** Name the file by this id in `sendMessage`'s `attachments`. */
  id: string;
  /** One request that sends the bytes: the body is the file, with exactly these headers. */
  upload: { method: 'PUT'; url: string; headers: Record<string, string> };
  /** When the upload URL stops working. */
  expiresAt: number;
}

export interface SearchHttpResponse {
  query: string;
  results: SearchResult[];
}

export type SessionResponse = Session;

export type HttpErrorResponse = ChatErrorBody;
