import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeMessages, newerVersion } from '../src/state/timeline.ts';
import { message } from './message-fixture.ts';

describe('newerVersion', () => {
  it('keeps a later edit over an earlier version, whatever arrives last', () => {
    const original = message('a', 1);
    const edited = message('a', 1, { text: 'fixed', editedAt: 10 });
    assert.equal(newerVersion(original, edited), edited);
    assert.equal(newerVersion(edited, original), edited);
  });

  it('never revives a deleted message', () => {
    const deleted = message('a', 1, { text: '', deletedAt: 20 });
    assert.equal(newerVersion(deleted, message('a', 1, { editedAt: 30 })), deleted);
    assert.equal(newerVersion(message('a', 1), deleted), deleted);
  });
});

describe('mergeMessages', () => {
  it('orders by seq and keeps one entry per id', () => {
    const merged = mergeMessages([message('b', 2), message('c', 3)], [message('a', 1), message('b', 2)]);
    assert.deepEqual(
      merged.map((m) => m.id),
      ['a', 'b', 'c'],
    );
  });

  it('takes only the reactions or the pin of those events, in order, keeping a later edit and a delete', () => {
    const edited = message('a', 1, { text: 'fixed', editedAt: 10 });
    const one = [{ emoji: '👍', users: [{ id: 'u2', username: 'grace' }] }];
    const two = [...one, { emoji: '🎉', users: [{ id: 'u1', username: 'ada' }] }];
    // Reaction events read before the edit carry the old text: only their reactions count, the last one wins.
    const first = message('a', 1, { reactions: one });
    const second = message('a', 1, { reactions: two });
    const parts = new Map([
      [first, 'reactions' as const],
      [second, 'reactions' as const],
    ]);
    const [merged] = mergeMessages([edited], [first, second], parts);
    assert.deepEqual(merged, { ...edited, reactions: two });
    const pinned = message('a', 1, { pinnedAt: 30, pinnedBy: { id: 'u2', username: 'grace' } });
    const [withPin] = mergeMessages([merged!], [pinned], new Map([[pinned, 'pin' as const]]));
    assert.deepEqual(withPin, { ...edited, reactions: two, pinnedAt: 30, pinnedBy: { id: 'u2', username: 'grace' } });
    const deleted = message('a', 1, { text: '', deletedAt: 20 });
    assert.equal(mergeMessages([deleted], [second], parts)[0], deleted);
  });

  it('returns the same array when nothing changed (so React skips the render)', () => {
    const messages = [message('a', 1)];
    assert.equal(mergeMessages(messages, [message('a', 1)]), messages);
    assert.equal(mergeMessages(messages, []), messages);
  });

  it('appends a burst of newer messages as they are, and sorts anything else into place', () => {
    const messages = [message('a', 1), message('b', 2)];
    const burst = [message('c', 3), message('d', 4)];
    const appended = mergeMessages(messages, burst);
    assert.deepEqual(appended, [...messages, ...burst]);
    assert.equal(appended[2], burst[0]);
    const mixed = mergeMessages(appended, [message('e', 6), message('x', 5)]);
    assert.deepEqual(
      mixed.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6],
    );
  });
});
