/**
 * Session tokens: JWT, HS256, signed with the chat's secret (accounts/secret.ts).
 * Claims: `sub` (user id), `name` (username), `guest`, `iat`, `exp`, `iss`
 * (`switchboard-chat`). Browsers put the token on the WebSocket URL (`?token=`)
 * because they cannot set headers on the upgrade; the gateway's REQUEST
 * authorizer calls `verify` and passes the claims on as `requestContext.authorizer`.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { ChatError } from '../domain/errors.ts';
import type { User } from '../domain/types.ts';

const ISSUER = 'switchboard-chat';
const ALGORITHM = 'HS256';

export interface TokenOptions {
  /** At least 32 bytes (HS256 needs a key as long as its hash). */
  secret: Uint8Array;
  /** Lifetime of a registered user's token, in seconds. @default 604800 (7 days) */
  ttlSeconds?: number;
  /** Lifetime of a guest's token, in seconds. @default 86400 (1 day) */
  guestTtlSeconds?: number;
}

export interface TokenClaims {
  userId: string;
  username: string;
  guest: boolean;
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
  readonly #secret: Uint8Array;
  readonly #ttlSeconds: number;
  readonly #guestTtlSeconds: number;

  constructor(options: TokenOptions) {
    if (options.secret.byteLength < 32) {
      throw new TypeError('The token secret must be at least 32 bytes long.');
    }
    const settings = { ...defaults, ...options };
    this.#secret = Uint8Array.from(settings.secret);
    this.#ttlSeconds = settings.ttlSeconds;
    this.#guestTtlSeconds = settings.guestTtlSeconds;
  }

  /** `now` in ms since the epoch (from the service's clock). */
  async issue(user: User, now: number): Promise<IssuedToken> {
    const issuedAt = Math.floor(now / 1000);
    const expiresAtSeconds = issuedAt + (user.guest ? this.#guestTtlSeconds : this.#ttlSeconds);
    const token = await new SignJWT({ name: user.username, guest: user.guest })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(this.#secret);
    return { token, expiresAt: expiresAtSeconds * 1000 };
  }

  /**
   * The token's claims; rejects with `ChatError('UNAUTHENTICATED')` when the token
   * is malformed, forged, expired (at `now`, ms) or lacks a claim.
   */
  async verify(token: string, now: number = Date.now()): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.#secret, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'exp', 'name'],
      });
      if (typeof payload.name !== 'string' || typeof payload.sub !== 'string') {
        throw new ChatError('UNAUTHENTICATED', 'The token lacks a user.');
      }
      return {
        userId: payload.sub,
        username: payload.name,
        guest: payload.guest === true,
        expiresAt: payload.exp! * 1000,
      };
    } catch (error) {
      if (error instanceof ChatError) throw error;
      const message = error instanceof errors.JWTExpired ? 'The token has expired.' : 'The token is not valid.';
      throw new ChatError('UNAUTHENTICATED', message, { cause: error });
    }
  }
}

/**
 * Verifies a token against a secret in one call: for an authorizer that does not
 * keep a `TokenService`.
 * @example const { userId } = await verifyToken(event.queryStringParameters.token, secret);
 */
export function verifyToken(token: string, secret: Uint8Array): Promise<TokenClaims> {
  return new TokenService({ secret }).verify(token);
}
