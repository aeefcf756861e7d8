import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoomEvent } from '@switchboard/chat/api';
import { RoomSequencer } from '../src/connection/room-sequencer.ts';
import { message as messageFixture } from './message-fixture.ts';
import { room } from './scripted-server.ts';

function event(seq: number, roomId = 'r1'): RoomEvent {
  const message = messageFixture(`m${seq}`, seq, { roomId, text: `text ${seq}` });
  return { type: 'message', roomId, seq, at: seq, message };
}

const seqs = (events: RoomEvent[]) => events.map((e) => e.seq);

/** r1 and r2 applied up to seq 1, with seq 4 of r1 and seq 3 of r2 buffered and their catch-ups out. */
function twoRoomsWithGaps(): RoomSequencer {
  const sequencer = new RoomSequencer();
  sequencer.track('r1', 1);
  sequencer.track('r2', 1);
  sequencer.offer(event(4));
  sequencer.offer(event(3, 'r2'));
  return sequencer;
}

describe('RoomSequencer', () => {
  describe('#offer', () => {
    it('applies the next seq and drops duplicates', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 4);
      assert.deepEqual(seqs(sequencer.offer(event(5)).apply), [5]);
      assert.deepEqual(sequencer.offer(event(5)), { apply: [], catchUp: [] });
      assert.deepEqual(sequencer.offer(event(3)), { apply: [], catchUp: [] });
      assert.equal(sequencer.lastSeq('r1'), 5);
    });

    it('buffers after a gap, asks for one catch-up, and applies in order once it is filled', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      assert.deepEqual(sequencer.offer(event(4)), { apply: [], catchUp: [{ roomId: 'r1', lastSeq: 1 }] });
      assert.deepEqual(sequencer.offer(event(5)), { apply: [], catchUp: [] }, 'no second catch-up while one is out');
      const step = sequencer.catchUp([
        {
          roomId: 'r1',
          events: [event(2), event(3), event(4)],
          lastSeq: 5,
          hasMore: false,
        },
      ]);
      assert.deepEqual(seqs(step.apply), [2, 3, 4, 5]);
      assert.deepEqual(step.catchUp, []);
    });

    it('applies events that continue the room while a catch-up is out', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      const welcome = sequencer.reconcile([room(1, 'r1')]);
      assert.deepEqual(welcome.catchUp, []);
      assert.deepEqual(sequencer.offer(event(3)).catchUp, [{ roomId: 'r1', lastSeq: 1 }]);
      // The missing seq 2 arrives live after all: it and the buffered 3 apply at once.
      assert.deepEqual(seqs(sequencer.offer(event(2)).apply), [2, 3]);
      assert.deepEqual(seqs(sequencer.offer(event(4)).apply), [4]);
    });

    it('holds a gap opened by a live event: a late event that fills it asks nothing, one still open asks once', () => {
      const sequencer = new RoomSequencer({ holdGaps: true });
      sequencer.track('r1', 1);
      sequencer.track('r2', 1);
      assert.deepEqual(sequencer.offer(event(3)), { apply: [], catchUp: [], held: ['r1'] });
      assert.deepEqual(sequencer.offer(event(4)), { apply: [], catchUp: [] }, 'held once per gap');
      // The event sent through another node arrives a little late: the room goes on, nothing to ask.
      assert.deepEqual(seqs(sequencer.offer(event(2)).apply), [2, 3, 4]);
      assert.deepEqual(sequencer.expireHeld(['r1']), { apply: [], catchUp: [] });
      // A gap that stays open past the window is caught up, once.
      assert.deepEqual(sequencer.offer(event(3, 'r2')).held, ['r2']);
      assert.deepEqual(sequencer.expireHeld(['r2']).catchUp, [{ roomId: 'r2', lastSeq: 1 }]);
      assert.deepEqual(sequencer.expireHeld(['r2']).catchUp, []);
      assert.deepEqual(sequencer.offer(event(6)), { apply: [], catchUp: [], held: ['r1'] });
      // A heartbeat head confirms the room moved on: no more waiting.
      assert.deepEqual(sequencer.heads([{ roomId: 'r1', seq: 6 }]).catchUp, [{ roomId: 'r1', lastSeq: 4 }]);
    });

    it('follows a room it was not told about from the first event seen', () => {
      const sequencer = new RoomSequencer();
      assert.deepEqual(seqs(sequencer.offer(event(7, 'new')).apply), [7]);
      assert.equal(sequencer.lastSeq('new'), 7);
    });
  });

  describe('#catchUp', () => {
    it('asks again from the last applied seq while the answer has more', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 0);
      const step = sequencer.catchUp([{ roomId: 'r1', events: [event(1), event(2)], lastSeq: 9, hasMore: true }]);
      assert.deepEqual(seqs(step.apply), [1, 2]);
      assert.deepEqual(step.catchUp, [{ roomId: 'r1', lastSeq: 2 }]);
    });

    it('does not ask again at once when an answer promises more but moves no room forward', () => {
      const sequencer = twoRoomsWithGaps();
      const step = sequencer.catchUp([
        { roomId: 'r1', events: [], lastSeq: 4, hasMore: true },
        { roomId: 'r2', events: [event(1, 'r2')], lastSeq: 3, hasMore: true },
      ]);
      assert.deepEqual(step, { apply: [], catchUp: [], stalled: ['r1', 'r2'] }, 'a duplicate is no progress');
      assert.equal(sequencer.failed(step.stalled), 1);
      assert.deepEqual(sequencer.pendingCatchUps(), [
        { roomId: 'r1', lastSeq: 1 },
        { roomId: 'r2', lastSeq: 1 },
      ]);
      // A room not behind that the answer calls complete is no progress either.
      sequencer.track('quiet', 5);
      assert.deepEqual(
        sequencer.catchUp([
          { roomId: 'quiet', events: [], lastSeq: 5, hasMore: false },
          { roomId: 'r1', events: [], lastSeq: 4, hasMore: true },
        ]).stalled,
        ['r1'],
      );
      assert.equal(sequencer.failed(['r1']), 2);
    });

    it('asks again at once for a room left empty by a full frame when another room moved forward', () => {
      const sequencer = twoRoomsWithGaps();
      sequencer.failed(['r1', 'r2']);
      sequencer.pendingCatchUps();
      const step = sequencer.catchUp([
        { roomId: 'r1', events: [event(2)], lastSeq: 4, hasMore: true },
        { roomId: 'r2', events: [], lastSeq: 3, hasMore: true },
      ]);
      assert.deepEqual(seqs(step.apply), [2]);
      assert.deepEqual(step.stalled, []);
      assert.deepEqual(step.catchUp, [
        { roomId: 'r1', lastSeq: 2 },
        { roomId: 'r2', lastSeq: 1 },
      ]);
      assert.deepEqual(sequencer.failing(1), ['r2'], 'only the room that moved forward starts its count again');
    });

    it('accepts a hole the server cannot fill instead of asking forever', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      sequencer.offer(event(4));
      const step = sequencer.catchUp([{ roomId: 'r1', events: [], lastSeq: 4, hasMore: false }]);
      assert.deepEqual(seqs(step.apply), [4]);
      assert.deepEqual(step.catchUp, []);
    });
  });

  describe('#heads', () => {
    it('catches up a room whose head is beyond the last applied seq, and only that one', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 3);
      sequencer.track('r2', 5);
      const step = sequencer.heads([
        { roomId: 'r1', seq: 4 },
        { roomId: 'r2', seq: 5 },
        { roomId: 'r9', seq: 2 },
      ]);
      assert.deepEqual(step.catchUp, [{ roomId: 'r1', lastSeq: 3 }]);
      assert.deepEqual(step.unknown, ['r9'], 'a room not followed is reported');
      assert.deepEqual(sequencer.heads([{ roomId: 'r1', seq: 4 }]).catchUp, [], 'one catch-up per room at a time');
      const answer = sequencer.catchUp([{ roomId: 'r1', events: [event(4)], lastSeq: 4, hasMore: false }]);
      assert.deepEqual(seqs(answer.apply), [4]);
      assert.deepEqual(answer.catchUp, []);
      assert.deepEqual(sequencer.heads([{ roomId: 'r1', seq: 4 }]).catchUp, [], 'level: nothing to do');
    });

    it('asks once more when a newer head was heard while a catch-up was out', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      assert.deepEqual(sequencer.heads([{ roomId: 'r1', seq: 2 }]).catchUp, [{ roomId: 'r1', lastSeq: 1 }]);
      sequencer.heads([{ roomId: 'r1', seq: 3 }]);
      // The answer was read before event 3 existed.
      const answer = sequencer.catchUp([{ roomId: 'r1', events: [event(2)], lastSeq: 2, hasMore: false }]);
      assert.deepEqual(seqs(answer.apply), [2]);
      assert.deepEqual(answer.catchUp, [{ roomId: 'r1', lastSeq: 2 }]);
      const last = sequencer.catchUp([{ roomId: 'r1', events: [event(3)], lastSeq: 3, hasMore: false }]);
      assert.deepEqual(seqs(last.apply), [3]);
      assert.deepEqual(last.catchUp, []);
    });
  });

  describe('#failed', () => {
    it('lets a failed catch-up be asked again from the last applied seq, one request at a time', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      sequencer.offer(event(4));
      assert.deepEqual(sequencer.pendingCatchUps(), [], 'one is out');
      assert.equal(sequencer.failed(['r1']), 1);
      assert.deepEqual(sequencer.offer(event(5)).catchUp, [{ roomId: 'r1', lastSeq: 1 }], 'a new event asks again');
      assert.equal(sequencer.failed(['r1']), 2);
      assert.deepEqual(sequencer.pendingCatchUps(), [{ roomId: 'r1', lastSeq: 1 }]);
      assert.deepEqual(sequencer.pendingCatchUps(), []);
      const step = sequencer.catchUp([{ roomId: 'r1', events: [event(2), event(3)], lastSeq: 5, hasMore: false }]);
      assert.deepEqual(seqs(step.apply), [2, 3, 4, 5]);
      assert.deepEqual(sequencer.failing(1), [], 'an answer resets the count');
    });

    it('skips the gap of a room whose catch-ups keep failing, so it applies events again', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      sequencer.track('r2', 3);
      sequencer.offer(event(4));
      sequencer.offer(event(5));
      sequencer.failed(['r1']);
      sequencer.failed(['r1']);
      assert.deepEqual(sequencer.failing(2), ['r1']);
      const step = sequencer.skipGap('r1');
      assert.deepEqual(seqs(step.apply), [4, 5]);
      assert.deepEqual(step.catchUp, []);
      assert.deepEqual(seqs(sequencer.offer(event(6)).apply), [6]);
      assert.deepEqual(sequencer.skipGap('r2'), { apply: [], catchUp: [] }, 'a room that is not behind stays');
    });

    it('skips to the newest seq the welcome announced when nothing was buffered', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 2);
      assert.deepEqual(sequencer.reconcile([room(9, 'r1')]).catchUp, [{ roomId: 'r1', lastSeq: 2 }]);
      sequencer.failed(['r1']);
      sequencer.skipGap('r1');
      assert.equal(sequencer.lastSeq('r1'), 9);
      assert.deepEqual(seqs(sequencer.offer(event(10)).apply), [10]);
    });
  });

  describe('#reconcile', () => {
    it('catches up rooms that moved on, follows new ones, resets replaced ones and drops left ones', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('same', 3);
      sequencer.track('behind', 3);
      sequencer.track('replaced', 10);
      sequencer.track('left', 2);
      sequencer.beginListing();
      const result = sequencer.reconcile([room(3, 'same'), room(8, 'behind'), room(2, 'replaced'), room(5, 'new')]);
      assert.deepEqual(result.catchUp, [{ roomId: 'behind', lastSeq: 3 }]);
      assert.deepEqual(result.reset, ['replaced']);
      assert.deepEqual(sequencer.endListing(), ['left']);
      assert.equal(sequencer.lastSeq('new'), 5);
      assert.equal(sequencer.lastSeq('replaced'), 2);
      assert.equal(sequencer.lastSeq('left'), undefined);
    });

    it('keeps a room the first page leaves out until the listing ends, and follows it from a later page', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('a', 3);
      sequencer.track('z', 4);
      sequencer.track('gone', 1);
      sequencer.beginListing();
      assert.deepEqual(sequencer.reconcile([room(3, 'a')]), { apply: [], catchUp: [], reset: [] });
      // A live event of a room on a later page, before that page: applied as usual.
      assert.deepEqual(seqs(sequencer.offer(event(5, 'z')).apply), [5]);
      assert.equal(sequencer.lastSeq('gone'), 1, 'not left because the first page leaves it out');
      const later = sequencer.reconcile([room(7, 'z')]);
      assert.deepEqual(later.reset, [], 'a page older than the live events is not a replaced room');
      assert.deepEqual(later.catchUp, [{ roomId: 'z', lastSeq: 5 }]);
      assert.deepEqual(sequencer.endListing(), ['gone']);
      assert.deepEqual(sequencer.endListing(), [], 'once');
    });

    it('does not count as left a room joined again while the rooms were being listed', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 2);
      sequencer.track('r2', 2);
      sequencer.beginListing();
      sequencer.reconcile([]);
      sequencer.track('r2', 2);
      assert.deepEqual(sequencer.endListing(), ['r1']);
      assert.equal(sequencer.lastSeq('r2'), 2);
    });

    it('keeps every room when the listing cannot be read to its end', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 2);
      sequencer.track('r2', 2);
      sequencer.beginListing();
      sequencer.reconcile([room(2, 'r1')]);
      sequencer.abandonListing();
      assert.deepEqual(sequencer.endListing(), [], 'an abandoned listing proves no room was left');
      assert.equal(sequencer.lastSeq('r2'), 2);
    });

    it('compares a later page with what was applied before the reconnect, not with live events since', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 9);
      sequencer.beginListing();
      sequencer.reconcile([]);
      assert.deepEqual(sequencer.reconcile([room(4, 'r1')]).reset, ['r1'], 'behind what was held: replaced');
    });
  });
});
