import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@switchboard/chat/api';
import { mergeMessages, newerVersion } from '../src/state/timeline.ts';

function message(id: string, seq: number, change: Partial<Message> = {}): Message {
  return {
    id,
    roomId: 'r1',
    seq,
    authorId: 'u1',
    authorName: 'ada',
    text: id,
    clientMessageId: null,
    createdAt: seq,
    editedAt: null,
    deletedAt: null,
    ...change,
  };
}

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

  it('returns the same array when nothing changed (so React skips the render)', () => {
    const messages = [message('a', 1)];
    assert.equal(mergeMessages(messages, [message('a', 1)]), messages);
    assert.equal(mergeMessages(messages, []), messages);
  });
});
