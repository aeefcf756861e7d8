/**
 * Whether the store answers, as the requests see it, for two uses:
 *
 * - Operators are told when it stops answering and when it is back: one
 *   warning at the first request that fails for lack of the store (a timeout, a
 *   refused or lost connection; never a rule the store enforces), one at the
 *   first request it answers again, with how long it was down. Nothing in
 *   between, however many requests fail.
 * - While it is down, requests fail at once instead of each waiting out the
 *   timeouts, except one at a time, which probes whether the store is back.
 *   Failing at once sends nothing, so it can never commit anything behind the
 *   caller's back; and after a blip (the server ended its connections) the
 *   next request is the probe, so service resumes at once.
 *
 *   up ──a request cannot reach the store──▶ down ──a request is answered──▶ up
 *                                            │ requests: one probe at a time, the others refused at once
 */
import type { ChatLogger } from '../domain/use-cases/context.ts';

export interface StoreAvailabilityOptions {
  /** Where the two warnings go. @default nowhere */
  logger?: ChatLogger;
  /** @default Date.now */
  now?: () => number;
}

export class StoreAvailability {
  readonly #logger: ChatLogger | undefined;
  readonly #now: () => number;
  #downSince: number | undefined;
  #probing = false;

  constructor(options: StoreAvailabilityOptions = {}) {
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** Whether a request may try the store now: always while it is up, one probe at a time while it is down. */
  admit(): boolean {
    if (this.#downSince === undefined) return true;
    if (this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** The store answered a request (with a result, or with an error of its own such as a unique violation). */
  answered(): void {
    this.#probing = false;
    if (this.#downSince === undefined) return;
    const downMs = this.#now() - this.#downSince;
    this.#downSince = undefined;
    this.#logger?.warn({ downMs }, `chat: the store answers again after ${downMs} ms`);
  }

  /** A request could not reach the store in time. */
  unreachable(error: unknown): void {
    this.#probing = false;
    if (this.#downSince !== undefined) return;
    this.#downSince = this.#now();
    this.#logger?.warn({ err: error }, 'chat: the store is unavailable');
  }
}
