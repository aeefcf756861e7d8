import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  around,
  extendNewer,
  extendOlder,
  followNewest,
  freeze,
  type MessageWindow,
  unseenCount,
  type WindowLimits,
  windowRange,
} from '../src/state/message-window.ts';
import { message } from './scripted-server.ts';

const limits: WindowLimits = { followRows: 10, pageRows: 5, maxRows: 20 };
/** Messages with seq 1..n (every third by the reader, u1). */
function messages(n: number) {
  return Array.from({ length: n }, (_, index) => ({
    ...message(index + 1),
    authorId: index % 3 === 0 ? 'u1' : 'u2',
  }));
}

describe('message window', () => {
  describe('.windowRange', () => {
    it('renders the newest followRows while following, however many messages there are', () => {
      assert.deepEqual(windowRange(messages(5), followNewest(limits), null, limits), { start: 0, end: 5 });
      assert.deepEqual(windowRange(messages(1000), followNewest(limits), null, limits), { start: 990, end: 1000 });
    });

    it('keeps a pinned (focused or edited) row while following, within maxRows', () => {
      const list = messages(100);
      assert.deepEqual(windowRange(list, followNewest(limits), 85, limits), { start: 84, end: 100 });
      // Too far back to keep following: the window stops at the pinned row.
      assert.deepEqual(windowRange(list, followNewest(limits), 50, limits), { start: 49, end: 69 });
    });

    it('keeps a pinned row near a range rendered, and lets go of one the user scrolled far from', () => {
      const list = messages(500);
      const range: MessageWindow = { mode: 'range', fromSeq: 301, toSeq: 310, seenSeq: 500 };
      assert.deepEqual(windowRange(list, range, 295, limits), { start: 294, end: 310 });
      assert.deepEqual(windowRange(list, range, 100, limits), { start: 300, end: 310 });
    });

    it('renders a range by seq, so older history loaded in front does not move it', () => {
      const range: MessageWindow = { mode: 'range', fromSeq: 60, toSeq: 69, seenSeq: 100 };
      const newest = messages(100).slice(49);
      const rows = (list: typeof newest) =>
        list.slice(windowRange(list, range, null, limits).start, windowRange(list, range, null, limits).end);
      assert.deepEqual(
        rows(newest).map((m) => m.seq),
        [60, 61, 62, 63, 64, 65, 66, 67, 68, 69],
      );
      assert.deepEqual(rows(messages(100)), rows(newest));
    });

    it('falls back to the newest rows when the range matches nothing (the room was reloaded)', () => {
      const range: MessageWindow = { mode: 'range', fromSeq: 500, toSeq: 600, seenSeq: 600 };
      assert.deepEqual(windowRange(messages(30), range, null, limits), { start: 20, end: 30 });
    });
  });

  describe('scrolling', () => {
    it('freezes the rendered rows when the user leaves the bottom, and counts later messages by others as unseen', () => {
      const list = messages(50);
      const frozen = freeze(list, followNewest(limits), null, limits);
      assert.deepEqual(frozen, { mode: 'range', fromSeq: 41, toSeq: 50, seenSeq: 50 });
      const later = messages(56);
      assert.deepEqual(windowRange(later, frozen, null, limits), { start: 40, end: 50 });
      // 51..56: 52 and 55 are the reader's own (every third), the other four are by u2.
      assert.equal(unseenCount(later, frozen, 'u1'), 4);
      assert.equal(unseenCount(later, followNewest(limits), 'u1'), 0);
    });

    it('adds older rows a page at a time, trimming the newest beyond maxRows', () => {
      const list = messages(100);
      let view = freeze(list, followNewest(limits), null, limits);
      view = extendOlder(list, view, limits);
      assert.deepEqual(windowRange(list, view, null, limits), { start: 85, end: 100 });
      view = extendOlder(list, view, limits);
      view = extendOlder(list, view, limits);
      assert.deepEqual(windowRange(list, view, null, limits), { start: 75, end: 95 });
      const first = extendOlder(messages(3), followNewest(limits), limits);
      assert.deepEqual(first, followNewest(limits), 'nothing older: the same window');
    });

    it('keeps following while older rows fit maxRows (a short room on a tall screen)', () => {
      const list = messages(100);
      const view = extendOlder(list, followNewest(limits), limits);
      assert.deepEqual(view, { mode: 'follow', rows: 15 });
      assert.deepEqual(windowRange(list, view, null, limits), { start: 85, end: 100 });
    });

    it('adds newer rows toward the newest and follows again on reaching it, keeping the rendered rows', () => {
      const list = messages(100);
      let view: MessageWindow = { mode: 'range', fromSeq: 71, toSeq: 85, seenSeq: 100 };
      view = extendNewer(list, view, limits);
      assert.deepEqual(windowRange(list, view, null, limits), { start: 70, end: 90 });
      view = extendNewer(list, view, limits);
      assert.deepEqual(windowRange(list, view, null, limits), { start: 75, end: 95 });
      view = extendNewer(list, view, limits);
      assert.deepEqual(view, { mode: 'follow', rows: 20 });
    });

    it('centres a jump on its message', () => {
      const list = messages(100);
      const view = around(list, 30, limits);
      assert.deepEqual(windowRange(list, view, null, limits), { start: 27, end: 32 });
      assert.equal(view.mode === 'range' && view.seenSeq, 100);
    });
  });
});
