/**
 * Password hashing with scrypt (node:crypto): a random 16-byte salt per user,
 * the cost parameters stored with the hash, and a timing-safe comparison.
 * Format: `scrypt$<N>$<r>$<p>$<salt>$<hash>`, salt and hash base64url.
 *
 * The cost is OWASP's current recommendation for scrypt (Password Storage
 * Cheat Sheet: N = 2^17, r = 8, p = 1), which takes 128 MiB and most of a
 * second of one core per hash. Hashes made with other parameters (this chat
 * used N = 2^15 before) still verify; `verify` reports them, and a successful
 * log-in stores a new hash at the current cost (transparent rehash).
 *
 * Memory: Node runs scrypt on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), so at most that many hashes, 128 MiB
 * each, are in memory at once however many log-ins arrive.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptCost {
  /** CPU and memory cost, a power of two (memory is 128 × N × r bytes). */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/** OWASP's current parameters for scrypt (see the file comment). */
export const OWASP_SCRYPT_COST: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const KEY_LENGTH = 32;

export interface PasswordCheck {
  valid: boolean;
  /** The stored hash was made with other parameters than this hasher's: store a new one. */
  rehash: boolean;
}

export class PasswordHasher {
  readonly cost: Readonly<ScryptCost>;
  #decoy: Promise<string> | undefined;

  /**
   * `cost` below OWASP's is for tests, where hashing time adds up; it weakens
   * stored passwords. Throws `TypeError` for parameters scrypt cannot use.
   */
  constructor(cost: ScryptCost = OWASP_SCRYPT_COST) {
    const { N, r, p } = cost;
    if (!(Number.isSafeInteger(N) && N > 1 && (N & (N - 1)) === 0) || !(r >= 1) || !(p >= 1)) {
      throw new TypeError(
        `Invalid scrypt cost ${JSON.stringify(cost)}: N must be a power of two above 1, r and p at least 1.`,
      );
    }
    this.cost = Object.freeze({ N, r, p });
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const { N, r, p } = this.cost;
    const key = await derive(password, salt, this.cost);
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  /** `valid: false` for a wrong password or a hash this module did not produce. */
  async verify(password: string, stored: string): Promise<PasswordCheck> {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    const cost = { N: Number(n), r: Number(r), p: Number(p) };
    if (scheme !== 'scrypt' || !salt || !hash || !isUsableCost(cost)) return { valid: false, rehash: false };
    const expected = Buffer.from(hash, 'base64url');
    const key = await derive(password, Buffer.from(salt, 'base64url'), cost);
    const valid = key.length === expected.length && timingSafeEqual(key, expected);
    const current = cost.N === this.cost.N && cost.r === this.cost.r && cost.p === this.cost.p;
    return { valid, rehash: valid && !current };
  }

  /**
   * A hash of a random password at this hasher's cost, checked when a username
   * does not exist, so an unknown user costs the same time as a wrong password
   * (no username probing). Made on first use, not at construction, so processes
   * that never log anyone in skip it.
   */
  decoy(): Promise<string> {
    this.#decoy ??= this.hash(randomBytes(16).toString('base64url'));
    return this.#decoy;
  }
}

/** Parameters a stored hash may carry: what this module writes, within scrypt's limits. */
function isUsableCost({ N, r, p }: ScryptCost): boolean {
  return (
    Number.isSafeInteger(N) && N > 1 && N <= 2 ** 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16
  );
}

function derive(password: string, salt: Buffer, { N, r, p }: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
