/**
 * Invite link tokens: `<id>.<secret>`, both random (96 and 192 bits,
 * base64url). The id finds the invite; the store keeps only the SHA-256 of the
 * secret, so a copy of the database opens no room, and a token is checked in
 * constant time. The token travels in the link's fragment (`/#invite=<token>`),
 * which browsers never send to a server or put in a `Referer`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface InviteToken {
  id: string;
  secret: string;
}

const PART = /^[A-Za-z0-9_-]{8,64}$/;

export function newInviteToken(): InviteToken & { token: string } {
  const id = randomBytes(12).toString('base64url');
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
