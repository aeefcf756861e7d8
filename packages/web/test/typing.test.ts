import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserSummary } from '@switchboard/chat/api';
import { addTypist, liveTypists, removeTypist, typingLabel } from '../src/state/typing.ts';

const user = (username: string): UserSummary => ({
  id: username,
  username,
  guest: false,
  avatar: { initials: username[0]!.toUpperCase(), color: '#1769aa' },
});

describe('typing', () => {
  it('expires an entry at its ttl and refreshes it on a new frame', () => {
    let typists = addTypist([], user('ada'), 5000);
    assert.equal(liveTypists(typists, 4999).length, 1);
    assert.equal(liveTypists(typists, 5000).length, 0);
    typists = addTypist(typists, user('ada'), 9000);
    assert.equal(typists.length, 1);
    assert.equal(liveTypists(typists, 6000).length, 1);
  });

  it('ends when the user is removed (their message arrived)', () => {
    const typists = addTypist(addTypist([], user('ada'), 5000), user('grace'), 5000);
    assert.deepEqual(
      removeTypist(typists, 'ada').map((t) => t.user.username),
      ['grace'],
    );
    assert.equal(removeTypist(typists, 'nobody'), typists);
  });

  it('labels one, two and many typists', () => {
    assert.equal(typingLabel([]), '');
    assert.equal(typingLabel(addTypist([], user('ada'), 1)), 'ada is typing…');
    const two = addTypist(addTypist([], user('ada'), 1), user('grace'), 1);
    assert.equal(typingLabel(two), 'ada and grace are typing…');
    assert.equal(typingLabel(addTypist(two, user('lin'), 1)), '3 people are typing…');
  });
});
