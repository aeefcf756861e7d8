/**
 * Reconnect delays: exponential backoff with jitter, so that clients dropped by
 * the same server restart do not all come back in the same instant
 * (docs/protocol.md, "Reconnect and catch-up": 0.5 s doubling to 30 s, with jitter).
 */

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. @default 500 */
  initialMs: number;
  /** Upper bound of any delay. @default 30000 */
  maxMs: number;
  /** Growth per failed attempt. @default 2 */
  factor: number;
  /**
   * Share of the delay that is random: the delay is drawn from
   * `[(1 - jitter) * d, d]`, where `d` is the exponential delay.
   * @default 0.5
   */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first retry).
 * @example backoffDelay(3, () => 1) // 4000: 500 * 2^3, no jitter drawn
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = defaultBackoff): number {
  const exponential = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const jittered = exponential * (1 - options.jitter + options.jitter * random());
  return Math.round(Math.min(options.maxMs, jittered));
}
