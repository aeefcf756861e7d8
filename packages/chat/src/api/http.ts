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
} as const;

export type HttpRoute = (typeof HttpRoute)[keyof typeof HttpRoute];

export interface RegisterRequest {
  username: string;
  password: string;
}

export type LogInRequest = RegisterRequest;

export interface SearchHttpRequest {
  query: string;
  roomId?: string;
  limit?: number;
}

export interface SearchHttpResponse {
  query: string;
  results: SearchResult[];
}

export type SessionResponse = Session;

export type HttpErrorResponse = ChatErrorBody;
