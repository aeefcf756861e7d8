import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, RoomSummary } from '@switchboard/chat/api';
import { mentionQueryAt, mentionRuns, mentionsUser } from '../src/state/mentions.ts';
import { notifyMaxAgeMs, shouldNotify } from '../src/state/notification-rules.ts';
import { message, room } from './scripted-server.ts';

const bob = { id: 'u-bob', username: 'bob' };
const withText = (text: string, mentions?: Message['mentions']): Message => ({
  ...message(1),
  authorId: 'u-ada',
  text,
  ...(mentions && { mentions }),
});

describe('mentionQueryAt', () => {
  it('finds the @name that ends at the caret, not an e-mail address', () => {
    assert.deepEqual(mentionQueryAt('hi @Bo', 6), { start: 3, query: 'bo' });
    assert.deepEqual(mentionQueryAt('@', 1), { start: 0, query: '' });
    assert.deepEqual(mentionQueryAt('hi @bob and', 7), { start: 3, query: 'bob' });
    assert.equal(mentionQueryAt('mail a@b', 8), null);
    assert.equal(mentionQueryAt('hi @bob and', 11), null);
  });
});

describe('mentionRuns', () => {
  it('cuts the text at the resolved mentions only, yours and @room marked', () => {
    const text = 'Hey @Bob, @carol and @room.';
    assert.deepEqual(mentionRuns(withText(text, { users: [bob], room: true }), 'u-bob'), [
      { text: 'Hey ', mention: false },
      { text: '@Bob', mention: true, me: true },
      { text: ', @carol and ', mention: false },
      { text: '@room', mention: true, me: true },
      { text: '.', mention: false },
    ]);
    assert.deepEqual(mentionRuns(withText('plain'), 'u-bob'), [{ text: 'plain', mention: false }]);
    // Its author's own @room is not a mention of them.
    assert.deepEqual(mentionRuns(withText('@room', { users: [], room: true }), 'u-ada'), [
      { text: '@room', mention: true, me: false },
    ]);
  });
});

describe('shouldNotify', () => {
  const now = 1_000_000;
  const roomWith = (notifications: RoomSummary['notifications'], kind: RoomSummary['kind'] = 'room') => ({
    ...room(1),
    kind,
    notifications,
  });
  const mentioning = { ...withText('@bob hi', { users: [bob], room: false }), createdAt: now };
  const plain = { ...withText('hi'), createdAt: now };
  const ask = (msg: Message, on: RoomSummary, hidden = true, inFollowedThread = false) =>
    shouldNotify({ message: msg, room: on, me: bob.id, hidden, inFollowedThread, now });

  it('follows the level while the page is hidden, never when muted, visible, old or your own', () => {
    const mentions = roomWith({ level: 'mentions', muted: false });
    assert.equal(ask(mentioning, mentions), true);
    assert.equal(ask(plain, mentions), false);
    assert.equal(ask(plain, roomWith({ level: 'mentions', muted: false }, 'direct')), true);
    assert.equal(ask(plain, roomWith({ level: 'all', muted: false })), true);
    assert.equal(ask(mentioning, roomWith({ level: 'nothing', muted: false })), false);
    assert.equal(ask(mentioning, roomWith({ level: 'all', muted: true })), false);
    assert.equal(ask(mentioning, mentions, false), false);
    assert.equal(ask({ ...mentioning, createdAt: now - notifyMaxAgeMs - 1 }, mentions), false);
    assert.equal(ask({ ...mentioning, authorId: bob.id }, mentions), false);
    assert.equal(mentionsUser({ ...mentioning, deletedAt: now }, bob.id), false);
  });

  it('notifies a reply in a thread you follow at the mentions level, as a mention', () => {
    const reply = { ...plain, threadRootId: 'root-1' };
    const mentions = roomWith({ level: 'mentions', muted: false });
    assert.equal(ask(reply, mentions, true, true), true);
    assert.equal(ask(reply, mentions, true, false), false);
    assert.equal(ask(reply, roomWith({ level: 'nothing', muted: false }), true, true), false);
    assert.equal(ask(reply, roomWith({ level: 'mentions', muted: true }), true, true), false);
    assert.equal(ask({ ...reply, authorId: bob.id }, mentions, true, true), false);
  });
});
