import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatLimits } from '../src/domain/limits.ts';
import { mentionCandidates, mentionKeys, ROOM_MENTION_KEY } from '../src/domain/mentions.ts';

describe('mentionCandidates', () => {
  it('reads @names case-insensitively, each once, and @room apart', () => {
    assert.deepEqual(mentionCandidates('@Ada, @bob_2 and @ADA: @room!'), { usernames: ['ada', 'bob_2'], room: true });
  });

  it('leaves out e-mail addresses, names too short or too long, and sentence punctuation', () => {
    assert.deepEqual(mentionCandidates('mail ada@example.com or @ab, see @carol. then @dan-'), {
      usernames: ['carol', 'dan'],
      room: false,
    });
    assert.deepEqual(mentionCandidates(`@${'x'.repeat(25)}`), { usernames: [], room: false });
  });

  it('looks up at most the per-message limit of names', () => {
    const text = Array.from({ length: 30 }, (_, i) => `@user${i}`).join(' ');
    assert.equal(mentionCandidates(text).usernames.length, ChatLimits.mentionsMaxPerMessage);
  });
});

describe('mentionKeys', () => {
  it('indexes the users and @room', () => {
    assert.deepEqual(mentionKeys({ users: [{ id: 'u1', username: 'ada' }], room: true }), ['u1', ROOM_MENTION_KEY]);
    assert.deepEqual(mentionKeys(undefined), []);
  });
});
