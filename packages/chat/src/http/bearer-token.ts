import type { IncomingMessage } from 'node:http';
import { ChatError } from '../domain/errors.ts';

/** The session token of `Authorization: Bearer <token>`; `UNAUTHENTICATED` without one. */
export function bearerToken(request: IncomingMessage): string {
  const match = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new ChatError('UNAUTHENTICATED', 'Send the session token as Authorization: Bearer <token>.');
  return match[1]!;
}
