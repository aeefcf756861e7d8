/**
 * Ids come from a pool of random bytes refilled a few KB at a time: across many
 * refills every id keeps API Gateway's form and none repeats.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedId, newId } from '../src/ids.ts';
import { randomText } from '../src/random-pool.ts';

describe('ids', () => {
  it('stay well-formed and distinct across pool refills', () => {
    // 11 bytes each: 5,000 ids use the 4 KB pool about 13 times over.
    const ids = Array.from({ length: 5_000 }, newId);
    for (const id of ids) assert.ok(isWellFormedId(id), id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('random text has the asked length in both encodings, also when a request straddles a refill', () => {
    for (let i = 0; i < 1_000; i++) {
      assert.match(randomText(12, 'hex'), /^[0-9a-f]{24}$/);
      assert.match(randomText(7, 'base64url'), /^[A-Za-z0-9_-]{10}$/);
    }
  });
});
