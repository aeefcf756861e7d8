/**
 * Session tokens: JWT, HS256, signed with the chat's secret (accounts/secret.ts).
 * Claims: `sub` (user id), `name` (username), `guest`, `sid` (the server-side
 * session it belongs to: signing out deletes it, so the token stops working
 * before `exp`), `iat`, `exp`, `iss` (`switchboard-chat`). Browsers put the token on the WebSocket URL (`?token=`)
 * because they cannot set headers on the upgrade; the gateway's REQUEST
 * authorizer calls `verify` and passes the claims on as `requestContext.authorizer`.
 *
 * A rotated secret is a key ring (`TokenKeyRing`): tokens are signed with its
 * newest key and name it in the `kid` header; a token verifies with the key it
 * names, so tokens signed before a rotation stay valid while the ring keeps the
 * previous key. A single secret is a ring of one key without an id.
 */
import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { ChatError } from '../domain/errors.ts';
import type { User } from '../domain/types.ts';

const ISSUER = 'switchboard-chat';
const ALGORITHM = 'HS256';

/** A signing key and the id tokens name it by (`kid`). */
export interface TokenKey {
  /** Omitted from tokens when undefined. */
  id?: string;
  /** At least 32 bytes (HS256 needs a key as long as its hash). */
  secret: Uint8Array;
}

/** Where a rotated secret's keys come from (on AWS: lambda/token-key-ring.ts). */
export interface TokenKeyRing {
  /** The newest key: new tokens are signed with it. */
  signingKey(): Promise<TokenKey>;
  /** The key a token names in its `kid` header (undefined: the token names none), or undefined when unknown. */
  verificationKey(id: string | undefined): Promise<Uint8Array | undefined>;
}

export type TokenOptions = (
  | {
      /** At least 32 bytes (HS256 needs a key as long as its hash). */
      secret: Uint8Array;
      keys?: never;
    }
  | { keys: TokenKeyRing; secret?: never }
) & {
  /** Lifetime of a registered user's token, in seconds. @default 604800 (7 days) */
  ttlSeconds?: number;
  /** Lifetime of a guest's token, in seconds. @default 86400 (1 day) */
  guestTtlSeconds?: number;
};

export interface TokenClaims {
  userId: string;
  username: string;
  guest: boolean;
  /** The session the token belongs to (`ChatStore.getSession`). */
  sessionId: string;
  /** ms since the epoch */
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
}

const defaults = { ttlSeconds: 7 * 24 * 3600, guestTtlSeconds: 24 * 3600 } satisfies Partial<TokenOptions>;

export class TokenService {
  readonly #keys: TokenKeyRing;
  readonly #ttlSeconds: number;
  readonly #guestTtlSeconds: number;

  constructor(options: TokenOptions) {
    const settings = { ...defaults, ...options };
    this.#keys = options.keys ?? singleKey(options.secret);
    this.#ttlSeconds = settings.ttlSeconds;
    this.#guestTtlSeconds = settings.guestTtlSeconds;
  }

  /** A token for `sessionId`; `now` in ms since the epoch (from the service's clock). */
  async issue(user: User, sessionId: string, now: number): Promise<IssuedToken> {
    const issuedAt = Math.floor(now / 1000);
    const expiresAtSeconds = issuedAt + (user.guest ? this.#guestTtlSeconds : this.#ttlSeconds);
    const key = await this.#keys.signingKey();
    const token = await new SignJWT({ name: user.username, guest: user.guest, sid: sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT', ...(key.id !== undefined && { kid: key.id }) })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(await hmacKey(requireKeyLength(key.secret)));
    return { token, expiresAt: expiresAtSeconds * 1000 };
  }

  /**
   * The token's claims; rejects with `ChatError('UNAUTHENTICATED')` when the token
   * is malformed, forged, expired (at `now`, ms) or lacks a claim (tokens issued
   * before sessions existed lack `sid`: their holders sign in again). Whether the
   * session still exists is the service's check, not this one.
   */
  async verify(token: string, now: number = Date.now()): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.#verificationKey(header.kid), {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'exp', 'name', 'sid'],
      });
      if (typeof payload.name !== 'string' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
        throw new ChatError('UNAUTHENTICATED', 'The token lacks a user or a session.');
      }
      return {
        userId: payload.sub,
        username: payload.name,
        guest: payload.guest === true,
        sessionId: payload.sid,
        expiresAt: payload.exp! * 1000,
      };
    } catch (error) {
      if (error instanceof ChatError) throw error;
      const message = error instanceof errors.JWTExpired ? 'The token has expired.' : 'The token is not valid.';
      throw new ChatError('UNAUTHENTICATED', message, { cause: error });
    }
  }

  async #verificationKey(id: string | undefined): Promise<webcrypto.CryptoKey> {
    const key = await this.#keys.verificationKey(id);
    if (!key) throw new ChatError('UNAUTHENTICATED', 'The token is not valid.');
    return hmacKey(key);
  }
}

/** Each secret's HMAC key, imported once: given the raw bytes, jose imports them again on every call. */
const hmacKeys = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();

function hmacKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    hmacKeys.set(secret, key);
  }
  return key;
}

function singleKey(secret: Uint8Array): TokenKeyRing {
  const key = Uint8Array.from(requireKeyLength(secret));
  return {
    signingKey: async () => ({ secret: key }),
    verificationKey: async () => key,
  };
}

function requireKeyLength(secret: Uint8Array): Uint8Array {
  if (secret.byteLength < 32) throw new TypeError('The token secret must be at least 32 bytes long.');
  return secret;
}

/**
 * Verifies a token against a secret in one call: for an authorizer that does not
 * keep a `TokenService`.
 * @example const { userId } = await verifyToken(event.queryStringParameters.token, secret);
 */
export function verifyToken(token: string, secret: Uint8Array): Promise<TokenClaims> {
  return new TokenService({ secret }).verify(token);
}
