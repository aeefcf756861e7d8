/**
 * Invite link tokens: `<id>.<secret>`. The id finds the invite: a time-ordered
 * UUID (version 7), so a room's links made in the same millisecond list in the
 * order they were made (links made before were 96 random bits; both forms are
 * read). The secret is random (192 bits, base64url); the store keeps only its
 * SHA-256, so a copy of the database opens no room, and a token is checked in
 * constant time. The token travels in the link's fragment (`/#invite=<token>`),
 * which browsers never send to a server or put in a `Referer`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { timeOrderedId } from './time-ordered-id.ts';

export interface InviteToken {
  id: string;
  secret: string;
}

const PART = /^[A-Za-z0-9_-]{8,64}$/;

/** A token for a link made at `createdAt` (ms since the epoch). */
export function newInviteToken(createdAt: number): InviteToken & { token: string } {
  const id = timeOrderedId(createdAt);
  const secret = randomBytes(24).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

/** The token's parts; `undefined` for anything that is not a token's shape. */
export function parseInviteToken(token: string): InviteToken | undefined {
  const [id, secret, extra] = token.split('.');
  if (extra !== undefined || id === undefined || secret === undefined || !PART.test(id) || !PART.test(secret)) {
    return undefined;
  }
  return { id, secret };
}

export function hashInviteSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** The secret matches the stored hash (compared in constant time). */
export function inviteSecretMatches(secret: string, secretHash: string): boolean {
  const actual = Buffer.from(hashInviteSecret(secret));
  const expected = Buffer.from(secretHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
