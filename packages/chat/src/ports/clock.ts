/**
 * The clock port: the only source of time in the domain, so tests drive time
 * explicitly and every node of a deployment stamps events the same way.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
