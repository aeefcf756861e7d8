/**
 * The shared conformance suite of the `RateLimitStore` port: the memory,
 * PostgreSQL and DynamoDB adapters run it unchanged. Times are passed in, so
 * the suite walks through refills and backoffs without waiting. Keys are unique
 * per test, so the backing data need not be empty.
 *
 * @example
 * runRateLimitConformance('memory', async () => ({ limits: new MemoryRateLimitStore(), close: async () => {} }));
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Backoff, RateLimitStore, TokenBucket } from '../src/ports/rate-limit-store.ts';

export interface OpenedRateLimits {
  limits: RateLimitStore;
  close(): Promise<void>;
}

const bucket: TokenBucket = { capacity: 3, refillMs: 1000 };
const backoff: Backoff = { freeAttempts: 3, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 60_000 };
const start = 1_700_000_000_000;

export function runRateLimitConformance(name: string, open: () => Promise<OpenedRateLimits>): void {
  describe(`RateLimitStore conformance: ${name}`, () => {
    let opened: OpenedRateLimits;
    let limits: RateLimitStore;
    before(async () => {
      opened = await open();
      limits = opened.limits;
    });
    after(() => opened.close());
    const key = (what: string) => `${what}:${randomUUID()}`;

    describe('token buckets', () => {
      it('allows the capacity at once, then one call per refill, and says how long to wait', async () => {
        const k = key('bucket');
        for (let i = 0; i < bucket.capacity; i++) {
          assert.deepEqual(await limits.take(k, bucket, start), { allowed: true, retryAfterMs: 0 });
        }
        assert.deepEqual(await limits.take(k, bucket, start), { allowed: false, retryAfterMs: 1000 });
        assert.deepEqual(await limits.take(k, bucket, start + 400), { allowed: false, retryAfterMs: 600 });
        assert.equal((await limits.take(k, bucket, start + 1000)).allowed, true);
        assert.equal((await limits.take(k, bucket, start + 1000)).allowed, false);
        // A quiet period refills the bucket to its capacity, never beyond.
        for (let i = 0; i < bucket.capacity; i++)
          assert.equal((await limits.take(k, bucket, start + 60_000)).allowed, true);
        assert.equal((await limits.take(k, bucket, start + 60_000)).allowed, false);
      });

      it('takes a cost of several tokens all or none, and says how long until it fits', async () => {
        const k = key('cost');
        const wide: TokenBucket = { capacity: 10, refillMs: 1000 };
        assert.deepEqual(await limits.take(k, wide, start, 4), { allowed: true, retryAfterMs: 0 });
        assert.deepEqual(await limits.take(k, wide, start, 4), { allowed: true, retryAfterMs: 0 });
        // Two tokens left: a cost of 4 takes none of them.
        assert.deepEqual(await limits.take(k, wide, start, 4), { allowed: false, retryAfterMs: 2000 });
        assert.deepEqual(await limits.take(k, wide, start, 2), { allowed: true, retryAfterMs: 0 });
        assert.deepEqual(await limits.take(k, wide, start + 500, 1), { allowed: false, retryAfterMs: 500 });
        assert.deepEqual(await limits.take(k, wide, start + 3000, 4), { allowed: false, retryAfterMs: 1000 });
        assert.equal((await limits.take(k, wide, start + 4000, 4)).allowed, true);
        // A whole bucket at once, on a fresh key and on a refilled one.
        const whole = key('whole');
        assert.equal((await limits.take(whole, wide, start, 10)).allowed, true);
        assert.deepEqual(await limits.take(whole, wide, start, 1), { allowed: false, retryAfterMs: 1000 });
        assert.equal((await limits.take(whole, wide, start + 60_000, 10)).allowed, true);
      });

      it('gives concurrent costs no more than the capacity', async () => {
        const k = key('cost-race');
        const wide: TokenBucket = { capacity: 10, refillMs: 60_000 };
        const decisions = await Promise.all(Array.from({ length: 20 }, () => limits.take(k, wide, start, 3)));
        assert.equal(decisions.filter((d) => d.allowed).length, 3);
      });

      it('keeps keys apart', async () => {
        const [a, b] = [key('a'), key('b')];
        for (let i = 0; i < bucket.capacity; i++) await limits.take(a, bucket, start);
        assert.equal((await limits.take(a, bucket, start)).allowed, false);
        assert.equal((await limits.take(b, bucket, start)).allowed, true);
      });

      it('allows exactly the capacity to concurrent calls', async () => {
        const k = key('race');
        const wide: TokenBucket = { capacity: 10, refillMs: 60_000 };
        const decisions = await Promise.all(Array.from({ length: 40 }, () => limits.take(k, wide, start)));
        assert.equal(decisions.filter((d) => d.allowed).length, 10);
        for (const refused of decisions.filter((d) => !d.allowed)) assert.ok(refused.retryAfterMs > 0);
      });
    });

    describe('backoff', () => {
      it('allows the free attempts, then doubles the wait up to the most, and forgets after a quiet period', async () => {
        const k = key('backoff');
        for (let i = 0; i < backoff.freeAttempts - 1; i++) {
          assert.deepEqual(await limits.claimAttempt(k, backoff, start), { allowed: true, retryAfterMs: 0 });
        }
        // The last free attempt is allowed and makes the next one wait.
        assert.equal((await limits.claimAttempt(k, backoff, start)).allowed, true);
        assert.deepEqual(await limits.claimAttempt(k, backoff, start + 1), { allowed: false, retryAfterMs: 999 });
        let now = start + 1000;
        for (const wait of [2000, 4000, 4000]) {
          assert.equal((await limits.claimAttempt(k, backoff, now)).allowed, true);
          assert.deepEqual(await limits.claimAttempt(k, backoff, now), { allowed: false, retryAfterMs: wait });
          now += wait;
        }
        // Quiet for longer than forgetAfterMs: the count starts again.
        now += backoff.forgetAfterMs;
        for (let i = 0; i < backoff.freeAttempts; i++)
          assert.equal((await limits.claimAttempt(k, backoff, now)).allowed, true);
        assert.equal((await limits.claimAttempt(k, backoff, now)).allowed, false);
      });

      it('starts again after forget', async () => {
        const k = key('forget');
        for (let i = 0; i < backoff.freeAttempts; i++) await limits.claimAttempt(k, backoff, start);
        assert.equal((await limits.claimAttempt(k, backoff, start)).allowed, false);
        await limits.forget(k);
        assert.equal((await limits.claimAttempt(k, backoff, start)).allowed, true);
      });

      it('allows the free attempts to callers whose clocks read a moment apart, in any order', async () => {
        const k = key('skew');
        // A caller that read its clock earlier may reach the store after one that read it later.
        assert.equal(backoff.freeAttempts, 3);
        for (const now of [start + 20, start, start + 10]) {
          assert.equal((await limits.claimAttempt(k, backoff, now)).allowed, true, `at ${now}`);
        }
        // The last free attempt (at start + 10) makes the next wait a second from it.
        assert.deepEqual(await limits.claimAttempt(k, backoff, start + 5), { allowed: false, retryAfterMs: 1005 });
        const raced = key('skewed race');
        const racing = await Promise.all(
          Array.from({ length: 20 }, (_, i) => limits.claimAttempt(raced, backoff, start + 19 - i)),
        );
        assert.equal(racing.filter((d) => d.allowed).length, backoff.freeAttempts);
      });

      it('allows exactly the free attempts to concurrent claims', async () => {
        const k = key('claims');
        const decisions = await Promise.all(Array.from({ length: 20 }, () => limits.claimAttempt(k, backoff, start)));
        assert.equal(decisions.filter((d) => d.allowed).length, backoff.freeAttempts);
        for (const refused of decisions.filter((d) => !d.allowed)) assert.equal(refused.retryAfterMs, 1000);
      });
    });
  });
}
