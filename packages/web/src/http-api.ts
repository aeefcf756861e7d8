/**
 * The chat's HTTP endpoints (docs/protocol.md, "HTTP endpoints"): accounts, which
 * a browser needs before it holds a WebSocket token.
 */
import type {
  ChangePasswordRequest,
  ChatErrorBody,
  ChatErrorCode,
  RegisterRequest,
  Session,
} from '@switchboard/chat/api';
import { serverConfig } from './server-config.ts';

/** An HTTP endpoint answered with an error body (or could not be reached: `NETWORK`). */
export class HttpApiError extends Error {
  readonly code: ChatErrorCode | 'NETWORK';
  readonly status: number;

  constructor(code: ChatErrorCode | 'NETWORK', message: string, status: number) {
    super(message);
    this.name = 'HttpApiError';
    this.code = code;
    this.status = status;
  }
}

export function register(credentials: RegisterRequest): Promise<Session> {
  return post('/api/register', credentials);
}

export function logIn(credentials: RegisterRequest): Promise<Session> {
  return post('/api/login', credentials);
}

export function guest(): Promise<Session> {
  return post('/api/guest', {});
}

/** A new session for a live token; the old token stops working. */
export function refreshSession(token: string): Promise<Session> {
  return post('/api/refresh', {}, token);
}

/** Sets a new password: every session of the account ends, and this is the caller's new one. */
export function changePassword(token: string, passwords: ChangePasswordRequest): Promise<Session> {
  return post('/api/password', passwords, token);
}

/** Ends the token's session on the server (sign-out on this device). */
export async function logOut(token: string): Promise<void> {
  await post('/api/logout', {}, token);
}

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${serverConfig().httpApiUrl ?? ''}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new HttpApiError('NETWORK', 'The chat server cannot be reached.', 0);
  }
  if (response.status === 204) return undefined as T;
  const payload = (await response.json().catch(() => null)) as unknown;
  if (response.ok) return payload as T;
  const error = payload as Partial<ChatErrorBody> | null;
  throw new HttpApiError(error?.code ?? 'INTERNAL', error?.message ?? response.statusText, response.status);
}
