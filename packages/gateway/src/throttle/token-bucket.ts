import type { ThrottleSettings } from '../definition.ts';

/**
 * A token bucket as API Gateway throttles with (spec 4): `burstLimit` tokens at
 * most, refilled at `rateLimit` per second. Refill is computed lazily on take, so
 * an idle bucket costs nothing.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor({ burstLimit, rateLimit }: ThrottleSettings, now = Date.now()) {
    this.#capacity = burstLimit;
    this.#perMs = rateLimit / 1000;
    this.#tokens = burstLimit;
    this.#updatedAt = now;
  }

  /** Takes one token; false when the bucket is empty (the request is throttled). */
  tryTake(now = Date.now()): boolean {
    const elapsed = now - this.#updatedAt;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
      this.#updatedAt = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
