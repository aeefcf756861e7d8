/**
 * The rate-limit port: bucket state that every node of a deployment shares
 * (process memory in the embedded chat, PostgreSQL in a cluster, DynamoDB on
 * AWS). Adapters pass the shared suite in test/rate-limit-conformance.ts.
 *
 * Contract:
 * - Each call decides atomically: of any number of concurrent calls on one key,
 *   from any number of nodes, exactly as many are allowed as the state allows.
 *   A caller that must limit a slow operation (a password check) claims first
 *   and does the work only when allowed; there is no read-then-write window.
 * - Times come from the caller (`now`, ms since the epoch); the store never
 *   reads a clock. A key's state may be forgotten once it expires (its bucket is
 *   full again, or its backoff was forgotten), so state does not grow without bound.
 * - Rejections are `ChatError('STORE_UNAVAILABLE')`, as for `ChatStore`.
 */

/**
 * A token bucket: it holds at most `capacity` tokens, one token comes back every
 * `refillMs`, and each allowed call takes one, or its `cost` (a call that is
 * worth several, as an upload's size in MiB). Stored as the time the bucket will
 * be full again (GCRA's "theoretical arrival time"): one number per key.
 */
export interface TokenBucket {
  /** Calls allowed at once, after a quiet period (the burst). At least 1. */
  capacity: number;
  /** Milliseconds for one token to come back (the sustained rate is one call per `refillMs`). */
  refillMs: number;
}

/**
 * Exponential backoff of attempts: the first `freeAttempts` claims are allowed
 * at once; claim number `freeAttempts + k` (k from 0) makes the next one wait
 * `min(maxDelayMs, baseDelayMs * 2^k)`. The count starts again after
 * `forgetAfterMs` without a claim (or after `forget`).
 */
export interface Backoff {
  freeAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until a call can be allowed again (> 0). 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimitStore {
  /**
   * Takes `cost` tokens (from 1 to the bucket's capacity: more could never be
   * allowed) from the bucket at `key`, all or none. @default cost 1
   */
  take(key: string, bucket: TokenBucket, now: number, cost?: number): Promise<RateDecision>;
  /** Claims one attempt under `backoff` at `key`; an allowed claim counts (and may delay the next) before the work is done. */
  claimAttempt(key: string, backoff: Backoff, now: number): Promise<RateDecision>;
  /** Forgets the state at `key` (a successful log-in ends its backoff). */
  forget(key: string): Promise<void>;
}
