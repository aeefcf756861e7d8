/**
 * Rate limits in process memory: the embedded chat's adapter (one process, so
 * memory is shared by everything that needs to agree). State is lost on
 * restart, which only ever grants a fresh bucket. JavaScript runs each call to
 * completion, so every decision is atomic without locks.
 *
 * Memory stays bounded: expired keys are dropped in a sweep every
 * `sweepEvery` calls, and a key never outlives its bucket's refill time (or
 * its backoff's forget time).
 */
import type { Backoff, RateDecision, RateLimitStore, TokenBucket } from '../../ports/rate-limit-store.ts';
import { claimAttempt, type RateState, type RateStep, takeToken } from '../rate-limit-state.ts';

export interface MemoryRateLimitStoreOptions {
  /** Calls between two sweeps of expired keys. @default 1000 */
  sweepEvery?: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #states = new Map<string, RateState>();
  readonly #sweepEvery: number;
  #calls = 0;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.#sweepEvery = options.sweepEvery ?? 1000;
  }

  /** Keys held now (for tests and metrics). */
  get size(): number {
    return this.#states.size;
  }

  async take(key: string, bucket: TokenBucket, now: number, cost = 1): Promise<RateDecision> {
    return this.#apply(key, now, (state) => takeToken(state, bucket, now, cost));
  }

  async claimAttempt(key: string, backoff: Backoff, now: number): Promise<RateDecision> {
    return this.#apply(key, now, (state) => claimAttempt(state, backoff, now));
  }

  async forget(key: string): Promise<void> {
    this.#states.delete(key);
  }

  #apply(key: string, now: number, step: (state: RateState | undefined) => RateStep): RateDecision {
    if (++this.#calls % this.#sweepEvery === 0) this.#sweep(now);
    const { decision, next } = step(this.#states.get(key));
    if (next) this.#states.set(key, next);
    return decision;
  }

  #sweep(now: number): void {
    for (const [key, state] of this.#states) if (state.expiresAt <= now) this.#states.delete(key);
  }
}
