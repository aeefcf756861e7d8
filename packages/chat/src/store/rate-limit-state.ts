/**
 * The arithmetic of the rate-limit port (ports/rate-limit-store.ts) over one
 * key's stored state, for adapters that decide in code and then write with a
 * condition (memory, DynamoDB). The PostgreSQL adapter does the same in SQL.
 */
import type { Backoff, RateDecision, TokenBucket } from '../ports/rate-limit-store.ts';

/** One key's state. */
export interface RateState {
  /** Token bucket: when the bucket is full again. Backoff: when the next claim may be allowed. */
  tat: number;
  /** Backoff: claims counted so far (0 for a token bucket). */
  attempts: number;
  /** When the state may be forgotten (ms since the epoch). */
  expiresAt: number;
}

export interface RateStep {
  decision: RateDecision;
  /** The state to store when allowed; `undefined` when refused (nothing changes). */
  next: RateState | undefined;
}

/** Generic cell rate algorithm: take `cost` tokens if the bucket would not overflow its capacity. */
export function takeToken(state: RateState | undefined, bucket: TokenBucket, now: number, cost = 1): RateStep {
  const from = state && state.expiresAt > now ? Math.max(state.tat, now) : now;
  const tat = from + cost * bucket.refillMs;
  const overflow = tat - now - bucket.capacity * bucket.refillMs;
  if (overflow > 0) return { decision: { allowed: false, retryAfterMs: overflow }, next: undefined };
  return { decision: { allowed: true, retryAfterMs: 0 }, next: { tat, attempts: 0, expiresAt: tat } };
}

/**
 * Backoff: allow once the previous claim's delay has passed, and count the claim.
 * A free attempt leaves `tat` where it was (no wait): were it set to the claim's
 * `now`, a concurrent caller that read its clock a moment earlier would find it
 * in its future and be refused while free attempts remain.
 */
export function claimAttempt(state: RateState | undefined, backoff: Backoff, now: number): RateStep {
  const live = state && state.expiresAt > now ? state : undefined;
  if (live && live.tat > now) return { decision: { allowed: false, retryAfterMs: live.tat - now }, next: undefined };
  const attempts = (live?.attempts ?? 0) + 1;
  const delay = backoffDelay(attempts, backoff);
  return {
    decision: { allowed: true, retryAfterMs: 0 },
    next: { tat: delay > 0 ? now + delay : (live?.tat ?? 0), attempts, expiresAt: now + delay + backoff.forgetAfterMs },
  };
}

/** The wait that claim number `attempts` (from 1) imposes on the next one. */
export function backoffDelay(attempts: number, backoff: Backoff): number {
  const beyond = attempts - backoff.freeAttempts;
  if (beyond < 0) return 0;
  return Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.min(beyond, 52));
}
