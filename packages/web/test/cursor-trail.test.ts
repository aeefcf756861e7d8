import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatLimits } from '@switchboard/chat/api';
import fc from 'fast-check';
import { CursorTrail } from '../src/connection/cursor-trail.ts';

describe('Class: CursorTrail', () => {
  it('follows every cursor of a listing that ends, and is not cut', () => {
    const trail = new CursorTrail();
    assert.equal(trail.next('c1', 100), 'c1');
    assert.equal(trail.next('c2', 0), 'c2', 'one empty page is allowed (a full welcome)');
    assert.equal(trail.next('c3', 40), 'c3');
    assert.equal(trail.next(undefined, 7), null);
    assert.equal(trail.cut, false);
  });

  it('ends at a cursor it was given before', () => {
    const trail = new CursorTrail();
    assert.equal(trail.next('c1', 5), 'c1');
    assert.equal(trail.next('c2', 5), 'c2');
    assert.equal(trail.next('c1', 5), null);
    assert.equal(trail.cut, true);
    assert.equal(trail.next('c3', 5), null, 'stays ended');
  });

  it('ends after maxEmptyPages pages in a row that bring nothing new', () => {
    const trail = new CursorTrail({ maxEmptyPages: 2 });
    assert.equal(trail.next('c1', 0), 'c1');
    assert.equal(trail.next('c2', 3), 'c2', 'a page with entries starts the count again');
    assert.equal(trail.next('c3', 0), 'c3');
    assert.equal(trail.next('c4', 0), null);
    assert.equal(trail.cut, true);
  });

  it('ends at a cursor longer than the protocol allows', () => {
    const longest = 'x'.repeat(ChatLimits.cursorMaxLength);
    const trail = new CursorTrail();
    assert.equal(trail.next(longest, 1), longest);
    assert.equal(trail.next(`${longest}y`, 1), null);
    assert.equal(trail.cut, true);
  });

  it('ends after maxPages pages, the first included', () => {
    const trail = new CursorTrail({ maxPages: 3 });
    assert.equal(trail.next('c1', 1), 'c1');
    assert.equal(trail.next('c2', 1), 'c2');
    assert.equal(trail.next('c3', 1), null);
    assert.equal(trail.cut, true);
  });

  it('never follows a cursor twice nor more than maxPages pages, whatever the server answers', () => {
    const page = fc.record({
      cursor: fc.option(fc.string({ maxLength: 3 }), { nil: undefined, freq: 10 }),
      added: fc.nat({ max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(page, { maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (pages, maxPages) => {
        const trail = new CursorTrail({ maxPages });
        const followed: string[] = [];
        for (const { cursor, added } of pages) {
          const next = trail.next(cursor, added);
          if (next === null) break;
          assert.equal(next, cursor);
          followed.push(next);
        }
        assert.equal(new Set(followed).size, followed.length);
        assert.ok(followed.length < maxPages);
      }),
    );
  });
});
