/**
 * The session-token keys on AWS: the versions of one Secrets Manager secret.
 * The version labelled `AWSCURRENT` signs new tokens; it and `AWSPREVIOUS` both
 * verify, so a rotation (lambda/rotation.ts) signs nobody out. A token names its
 * key by the secret's version id (`kid`).
 *
 *   cold start ─▶ GetSecretValue AWSCURRENT + AWSPREVIOUS ─▶ cached for `refreshMs`
 *   token with an unknown kid ─▶ reload (at most once per `unknownKeyRetryMs`) ─▶ verify or refuse
 *
 * The cache keeps Secrets Manager off the request path; the reload on an unknown
 * key lets a warm function accept tokens signed with a key rotated in after its
 * cold start, and the retry interval keeps a flood of forged `kid`s from turning
 * into a flood of Secrets Manager calls.
 */
import type { TokenKey, TokenKeyRing } from '../accounts/tokens.ts';
import { type Clock, systemClock } from '../ports/clock.ts';

/** One version of the secret. */
export interface SecretVersion {
  versionId: string;
  value: string;
}

/** Reads the version of the secret that carries a staging label; undefined when no version has it. */
export type SecretVersionSource = (stage: 'AWSCURRENT' | 'AWSPREVIOUS') => Promise<SecretVersion | undefined>;

export interface SecretsManagerKeyRingOptions {
  /** How long the keys are used before they are read again. @default 300000 (5 minutes) */
  refreshMs?: number;
  /**
   * The shortest time between reloads caused by tokens naming an unknown key
   * (a key rotated in after the last read, or a forged id). @default 30000
   */
  unknownKeyRetryMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

interface LoadedKeys {
  current: TokenKey & { id: string };
  byId: Map<string, Uint8Array>;
  loadedAt: number;
}

export class SecretsManagerKeyRing implements TokenKeyRing {
  readonly #source: SecretVersionSource;
  readonly #refreshMs: number;
  readonly #unknownKeyRetryMs: number;
  readonly #clock: Clock;
  #keys: Promise<LoadedKeys> | undefined;
  #lastUnknownKeyReload = Number.NEGATIVE_INFINITY;

  constructor(source: SecretVersionSource, options: SecretsManagerKeyRingOptions = {}) {
    this.#source = source;
    this.#refreshMs = options.refreshMs ?? 300_000;
    this.#unknownKeyRetryMs = options.unknownKeyRetryMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
  }

  async signingKey(): Promise<TokenKey> {
    return (await this.#loaded(this.#refreshMs)).current;
  }

  async verificationKey(id: string | undefined): Promise<Uint8Array | undefined> {
    const keys = await this.#loaded(this.#refreshMs);
    // Tokens from before key ids (one secret in the environment) were signed with the current key.
    if (id === undefined) return keys.current.secret;
    const known = keys.byId.get(id);
    if (known) return known;
    const now = this.#clock.now();
    if (now - this.#lastUnknownKeyReload < this.#unknownKeyRetryMs) return undefined;
    this.#lastUnknownKeyReload = now;
    return (await this.#loaded(0)).byId.get(id);
  }

  /** The keys, read again when older than `maxAgeMs` (concurrent callers share one read). */
  #loaded(maxAgeMs: number): Promise<LoadedKeys> {
    const now = this.#clock.now();
    const previous = this.#keys;
    this.#keys = (async () => {
      const held = await previous?.catch(() => undefined);
      if (held && now - held.loadedAt < maxAgeMs) return held;
      return this.#read(now);
    })();
    return this.#keys;
  }

  async #read(now: number): Promise<LoadedKeys> {
    const [current, previous] = await Promise.all([this.#source('AWSCURRENT'), this.#source('AWSPREVIOUS')]);
    if (!current) throw new Error('The token secret has no AWSCURRENT version.');
    const byId = new Map<string, Uint8Array>();
    for (const version of [previous, current]) {
      if (version) byId.set(version.versionId, tokenKeyBytes(version.value));
    }
    return { current: { id: current.versionId, secret: byId.get(current.versionId)! }, byId, loadedAt: now };
  }
}

/** A secret version's value as a key; at least 32 characters, as every chat token secret. */
export function tokenKeyBytes(value: string): Uint8Array {
  if (value.length < 32) throw new Error('A token secret version holds fewer than 32 characters.');
  return new TextEncoder().encode(value);
}
