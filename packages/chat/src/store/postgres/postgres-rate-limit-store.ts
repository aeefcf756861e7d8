/**
 * Rate limits in PostgreSQL, for a cluster: every node decides against the
 * same rows. Each decision is one `INSERT … ON CONFLICT DO UPDATE … WHERE`
 * statement (a refusal then reads the state once more, to say how long to wait): the upsert locks the key's row and re-checks the condition against
 * its latest committed state, so concurrent callers on any node are serialised
 * by the row lock and never both spend the last token. The table is UNLOGGED
 * (no WAL write per decision); a database crash empties it, which only grants
 * fresh buckets. The same arithmetic as store/rate-limit-state.ts, in SQL.
 *
 * Expired rows are deleted in small batches beside every `sweepEvery`-th call.
 */
import type { Backoff, RateDecision, RateLimitStore, TokenBucket } from '../../ports/rate-limit-store.ts';

/** Runs one statement with positional parameters and resolves to its rows (the store's `query`). */
export type QueryRunner = <R>(text: string, values?: readonly unknown[]) => Promise<R[]>;

export interface PostgresRateLimitStoreOptions {
  /** Calls between two sweeps of expired rows (each deletes at most 500). @default 200 */
  sweepEvery?: number;
}

/** The state a key starts from at `$2` (now): its bucket level, or nothing once expired. */
const BASE = 'CASE WHEN b.expires_at > $2::bigint THEN greatest(b.tat, $2::bigint) ELSE $2::bigint END';

const TAKE = `
  INSERT INTO rate_limits AS b (key, tat, attempts, expires_at) VALUES ($1, $2::bigint + $3::bigint, 0, $2::bigint + $3::bigint)
  ON CONFLICT (key) DO UPDATE SET tat = ${BASE} + $3::bigint, attempts = 0, expires_at = ${BASE} + $3::bigint
  WHERE ${BASE} + $3::bigint - $2::bigint <= $4::bigint
  RETURNING tat`;

/** The claim count after this claim (`b` is the stored row). */
const NEXT_ATTEMPTS = 'CASE WHEN b.expires_at <= $2::bigint THEN 1 ELSE b.attempts + 1 END';

/** The wait claim number `attempts` imposes ($3 free attempts, $4 base delay, $5 most delay). */
function delay(attempts: string): string {
  return `(CASE WHEN ${attempts} < $3::bigint THEN 0 ELSE least($5::bigint, $4::bigint * power(2, least(${attempts} - $3::bigint, 52)))::bigint END)`;
}

/**
 * A free attempt (no delay) leaves `tat` as it was, 0 for a fresh or expired
 * row: set to this claim's time, it would refuse a concurrent caller whose
 * clock read a moment earlier (store/rate-limit-state.ts).
 */
function nextTat(attempts: string, previous: string): string {
  return `(CASE WHEN ${delay(attempts)} > 0 THEN $2::bigint + ${delay(attempts)} ELSE ${previous} END)`;
}

const CLAIM = `
  INSERT INTO rate_limits AS b (key, tat, attempts, expires_at)
  VALUES ($1, ${nextTat('1', '0')}, 1, $2::bigint + ${delay('1')} + $6::bigint)
  ON CONFLICT (key) DO UPDATE SET
    attempts = ${NEXT_ATTEMPTS},
    tat = ${nextTat(NEXT_ATTEMPTS, 'CASE WHEN b.expires_at <= $2::bigint THEN 0 ELSE b.tat END')},
    expires_at = $2::bigint + ${delay(NEXT_ATTEMPTS)} + $6::bigint
  WHERE b.expires_at <= $2::bigint OR b.tat <= $2::bigint
  RETURNING attempts`;

/**
 * The state that refused a call. Read by a second statement: the refusing
 * upsert waited for the row's writer to commit, so this one sees what refused
 * it, where a snapshot taken inside the upsert could predate it.
 */
const CURRENT = 'SELECT tat FROM rate_limits WHERE key = $1 AND expires_at > $2::bigint';

const SWEEP = `
  DELETE FROM rate_limits WHERE key IN (
    SELECT key FROM rate_limits WHERE expires_at <= $1 LIMIT 500 FOR UPDATE SKIP LOCKED
  )`;

export class PostgresRateLimitStore implements RateLimitStore {
  readonly #query: QueryRunner;
  readonly #sweepEvery: number;
  #calls = 0;

  constructor(query: QueryRunner, options: PostgresRateLimitStoreOptions = {}) {
    this.#query = query;
    this.#sweepEvery = options.sweepEvery ?? 200;
  }

  async take(key: string, bucket: TokenBucket, now: number, cost = 1): Promise<RateDecision> {
    this.#maybeSweep(now);
    const full = bucket.capacity * bucket.refillMs;
    // A fresh key's insert is not checked: the port's `cost` is at most the capacity.
    const taken = cost * bucket.refillMs;
    if ((await this.#query(TAKE, [key, now, taken, full])).length > 0) return { allowed: true, retryAfterMs: 0 };
    const tat = await this.#current(key, now);
    return { allowed: false, retryAfterMs: Math.max(1, tat + taken - full - now) };
  }

  async claimAttempt(key: string, backoff: Backoff, now: number): Promise<RateDecision> {
    this.#maybeSweep(now);
    const { freeAttempts, baseDelayMs, maxDelayMs, forgetAfterMs } = backoff;
    const claimed = await this.#query(CLAIM, [key, now, freeAttempts, baseDelayMs, maxDelayMs, forgetAfterMs]);
    if (claimed.length > 0) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: Math.max(1, (await this.#current(key, now)) - now) };
  }

  async forget(key: string): Promise<void> {
    await this.#query('DELETE FROM rate_limits WHERE key = $1', [key]);
  }

  /** The state that refused a call, by a second statement (see `CURRENT`). */
  async #current(key: string, now: number): Promise<number> {
    const [row] = await this.#query<{ tat: number }>(CURRENT, [key, now]);
    return row?.tat ?? now;
  }

  /** Every `sweepEvery`-th call deletes expired rows beside it; a failure is left to the next sweep. */
  #maybeSweep(now: number): void {
    if (++this.#calls % this.#sweepEvery !== 0) return;
    this.#query(SWEEP, [now]).catch(() => {});
  }
}
