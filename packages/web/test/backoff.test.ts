import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, defaultBackoff } from '../src/connection/backoff.ts';

describe('backoffDelay', () => {
  it('doubles from 0.5 s and stops growing at 30 s', () => {
    const top = () => 1;
    assert.deepEqual(
      [0, 1, 2, 3, 6, 7, 20].map((attempt) => backoffDelay(attempt, top)),
      [500, 1000, 2000, 4000, 30_000, 30_000, 30_000],
    );
  });

  it('draws the delay from the upper half of the window (jitter 0.5)', () => {
    assert.equal(
      backoffDelay(3, () => 0),
      2000,
    );
    assert.equal(
      backoffDelay(3, () => 0.5),
      3000,
    );
    assert.equal(
      backoffDelay(20, () => 0),
      15_000,
    );
  });

  it('takes its options', () => {
    const options = { ...defaultBackoff, initialMs: 100, factor: 3, jitter: 0 };
    assert.equal(backoffDelay(2, Math.random, options), 900);
  });
});
