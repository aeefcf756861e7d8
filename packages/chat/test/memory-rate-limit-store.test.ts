import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { runRateLimitConformance } from './rate-limit-conformance.ts';

runRateLimitConformance('MemoryRateLimitStore', async () => ({
  limits: new MemoryRateLimitStore(),
  close: async () => {},
}));

describe('MemoryRateLimitStore', () => {
  it('forgets expired keys, so a flood of distinct keys does not grow memory for good', async () => {
    const limits = new MemoryRateLimitStore({ sweepEvery: 100 });
    const bucket = { capacity: 2, refillMs: 1000 };
    for (let i = 0; i < 1000; i++) await limits.take(`address:${i}`, bucket, 0);
    assert.ok(limits.size <= 1000);
    // Once every bucket is full again, the next sweep drops them all.
    for (let i = 0; i < 100; i++) await limits.take('late', bucket, 10_000);
    assert.equal(limits.size, 1);
  });
});
