import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOrderedId } from '../src/domain/time-ordered-id.ts';

describe('timeOrderedId', () => {
  it('is a version 7 UUID of RFC 9562 with the given millisecond', () => {
    const ms = Date.UTC(2026, 11, 6, 12);
    const id = timeOrderedId(ms + 60_000);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(Number.parseInt(id.replace('-', '').slice(0, 12), 16), ms + 60_000);
  });

  it('sorts as text in the order made: within a millisecond, past 4,096 in one, and when the clock goes back', () => {
    const start = Date.UTC(2026, 11, 6, 13);
    const made = [
      ...Array.from({ length: 5_000 }, () => timeOrderedId(start)),
      timeOrderedId(start + 1),
      timeOrderedId(start - 10_000),
      ...Array.from({ length: 100 }, (_, index) => timeOrderedId(start + 2 + Math.floor(index / 10))),
    ];
    assert.equal(new Set(made).size, made.length);
    assert.deepEqual([...made].sort(), made);
  });
});
