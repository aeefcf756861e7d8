import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ReadReceipts } from '../src/state/read-receipts.ts';

describe('ReadReceipts', () => {
  let now = 0;
  let online = true;
  let sent: Array<[string, number]> = [];

  beforeEach(() => {
    now = 1_000_000;
    online = true;
    sent = [];
    mock.timers.enable({ apis: ['setTimeout'] });
  });

  afterEach(() => mock.timers.reset());

  function receipts(): ReadReceipts {
    return new ReadReceipts({
      intervalMs: 3000,
      now: () => now,
      send: (roomId, seq) => {
        if (!online) return false;
        sent.push([roomId, seq]);
        return true;
      },
    });
  }

  function advance(ms: number): void {
    now += ms;
    mock.timers.tick(ms);
  }

  it('sends the first position at once and coalesces the rest of the interval into its latest position', () => {
    const subject = receipts();
    for (let seq = 1; seq <= 5; seq++) subject.read('r1', seq);
    advance(0);
    assert.deepEqual(sent, [['r1', 5]], 'one batch read together: one request');
    for (let seq = 6; seq <= 500; seq++) {
      subject.read('r1', seq);
      advance(10);
    }
    // 4,950 ms of messages, one every 10 ms: one request per 3 s interval.
    assert.deepEqual(sent, [
      ['r1', 5],
      ['r1', 305],
    ]);
    advance(3000);
    assert.deepEqual(sent.at(-1), ['r1', 500], 'the last position goes out');
    assert.equal(sent.length, 3);
    advance(10_000);
    assert.equal(sent.length, 3, 'nothing new, nothing sent');
  });

  it('keeps rooms apart', () => {
    const subject = receipts();
    subject.read('r1', 3);
    subject.read('r2', 7);
    advance(0);
    assert.deepEqual(sent, [
      ['r1', 3],
      ['r2', 7],
    ]);
  });

  it('never sends a position at or behind one already sent', () => {
    const subject = receipts();
    subject.read('r1', 9);
    advance(0);
    subject.read('r1', 4);
    subject.read('r1', 9);
    advance(5000);
    subject.flush();
    assert.deepEqual(sent, [['r1', 9]]);
    assert.equal(subject.position('r1'), 9);
  });

  it('sends what waits at once on flush (leaving the room, hiding the page), and not again at the interval', () => {
    const subject = receipts();
    subject.read('r1', 1);
    advance(0);
    subject.read('r1', 2);
    subject.read('r2', 8);
    subject.flush('r1');
    assert.deepEqual(sent, [
      ['r1', 1],
      ['r1', 2],
    ]);
    subject.flush();
    assert.deepEqual(sent.at(-1), ['r2', 8]);
    advance(5000);
    assert.equal(sent.length, 3);
  });

  it('keeps a position it could not send (offline) for the next flush', () => {
    const subject = receipts();
    online = false;
    subject.read('r1', 6);
    advance(5000);
    assert.deepEqual(sent, []);
    online = true;
    subject.flush();
    assert.deepEqual(sent, [['r1', 6]]);
  });

  it('forgets a room: nothing waiting for it goes out, and a new position after it counts from nothing', () => {
    const subject = receipts();
    subject.read('r1', 6);
    advance(0);
    subject.read('r1', 7);
    subject.forget('r1');
    advance(5000);
    subject.read('r1', 2);
    advance(0);
    assert.deepEqual(sent, [
      ['r1', 6],
      ['r1', 2],
    ]);
  });
});
