import type { Clock } from '../src/ports/clock.ts';

/** A `Clock` that moves only when the test says so. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}
