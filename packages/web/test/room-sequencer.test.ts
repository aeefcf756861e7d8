import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, RoomEvent, RoomSummary } from '@switchboard/chat/api';
import { RoomSequencer } from '../src/connection/room-sequencer.ts';

function event(seq: number, roomId = 'r1'): RoomEvent {
  const message: Message = {
    id: `m${seq}`,
    roomId,
    seq,
    authorId: 'u1',
    authorName: 'ada',
    text: `text ${seq}`,
    clientMessageId: null,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
  };
  return { type: 'message', roomId, seq, at: seq, message };
}

function summary(id: string, lastSeq: number): RoomSummary {
  return { id, kind: 'room', name: id, peer: null, lastSeq, lastReadSeq: 0, unread: 0 };
}

const seqs = (events: RoomEvent[]) => events.map((e) => e.seq);

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
      const step = sequencer.catchUp({
        roomId: 'r1',
        events: [event(2), event(3), event(4)],
        lastSeq: 5,
        hasMore: false,
      });
      assert.deepEqual(seqs(step.apply), [2, 3, 4, 5]);
      assert.deepEqual(step.catchUp, []);
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
      const step = sequencer.catchUp({ roomId: 'r1', events: [event(1), event(2)], lastSeq: 9, hasMore: true });
      assert.deepEqual(seqs(step.apply), [1, 2]);
      assert.deepEqual(step.catchUp, [{ roomId: 'r1', lastSeq: 2 }]);
    });

    it('accepts a hole the server cannot fill instead of asking forever', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('r1', 1);
      sequencer.offer(event(4));
      const step = sequencer.catchUp({ roomId: 'r1', events: [], lastSeq: 4, hasMore: false });
      assert.deepEqual(seqs(step.apply), [4]);
      assert.deepEqual(step.catchUp, []);
    });
  });

  describe('#reconcile', () => {
    it('catches up rooms that moved on, follows new ones, resets replaced ones and drops left ones', () => {
      const sequencer = new RoomSequencer();
      sequencer.track('same', 3);
      sequencer.track('behind', 3);
      sequencer.track('replaced', 10);
      sequencer.track('left', 2);
      const result = sequencer.reconcile([
        summary('same', 3),
        summary('behind', 8),
        summary('replaced', 2),
        summary('new', 5),
      ]);
      assert.deepEqual(result.catchUp, [{ roomId: 'behind', lastSeq: 3 }]);
      assert.deepEqual(result.reset, ['replaced']);
      assert.deepEqual(result.gone, ['left']);
      assert.equal(sequencer.lastSeq('new'), 5);
      assert.equal(sequencer.lastSeq('replaced'), 2);
      assert.equal(sequencer.lastSeq('left'), undefined);
    });
  });
});
