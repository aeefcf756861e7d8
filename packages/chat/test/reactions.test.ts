/**
 * Reactions as pure functions: which strings are one emoji (property tests over
 * arbitrary and emoji-like input), and how adds and removes change a message's
 * reactions within the per-message limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isChatError } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import { applyReaction, CURATED_REACTIONS, normalizeEmoji } from '../src/domain/reactions.ts';
import type { Reaction } from '../src/domain/types.ts';

/** Pieces emoji are built from, and pieces that are not emoji, so random joins hit both. */
const parts = [
  '👍',
  '🏽',
  '\u200D',
  '\uFE0F',
  '\u20E3',
  '❤',
  '👩',
  '💻',
  '🇫',
  '🇷',
  '#',
  '1',
  'a',
  ' ',
  '\u{E0067}',
  '🏴',
];
const emojiLike = fc.array(fc.constantFrom(...parts), { minLength: 0, maxLength: 12 }).map((a) => a.join(''));

describe('normalizeEmoji', () => {
  it('accepts the curated set and single emoji of every kind as they are', () => {
    for (const emoji of [...CURATED_REACTIONS, '👍🏽', '👩‍💻', '🇫🇷', '#️⃣', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
      assert.equal(normalizeEmoji(emoji), emoji);
    }
  });

  it('gives a text-style character its emoji form', () => {
    assert.equal(normalizeEmoji('\u2764'), '\u2764\uFE0F');
    assert.equal(normalizeEmoji('\u00A9'), '\u00A9\uFE0F');
  });

  it('answers any string with one bounded emoji or INVALID_EMOJI, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), emojiLike), (input) => {
        let emoji: string;
        try {
          emoji = normalizeEmoji(input);
        } catch (error) {
          assert.ok(isChatError(error, 'INVALID_EMOJI'), String(error));
          return;
        }
        assert.ok(emoji.length >= 1 && emoji.length <= ChatLimits.reactionEmojiMaxLength);
        assert.equal([...new Intl.Segmenter().segment(emoji)].length, 1, `one grapheme: ${JSON.stringify(emoji)}`);
        // Stored form is a fixed point: normalising it again changes nothing.
        assert.equal(normalizeEmoji(emoji), emoji);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('applyReaction', () => {
  const ada = { id: 'u-ada', username: 'ada' };
  const bob = { id: 'u-bob', username: 'bob' };

  it('adds, counts per emoji in first-use order, and removes, never mutating its input', () => {
    const one = applyReaction([], { emoji: '👍', user: ada, add: true })!;
    const two = applyReaction(one, { emoji: '🎉', user: bob, add: true })!;
    const three = applyReaction(two, { emoji: '👍', user: bob, add: true })!;
    assert.deepEqual(three, [
      { emoji: '👍', users: [ada, bob] },
      { emoji: '🎉', users: [bob] },
    ]);
    assert.deepEqual(two, [
      { emoji: '👍', users: [ada] },
      { emoji: '🎉', users: [bob] },
    ]);
    assert.equal(applyReaction(three, { emoji: '👍', user: ada, add: true }), undefined);
    assert.equal(applyReaction(three, { emoji: '😢', user: ada, add: false }), undefined);
    assert.deepEqual(applyReaction(three, { emoji: '🎉', user: bob, add: false }), [
      { emoji: '👍', users: [ada, bob] },
    ]);
  });

  it('keeps every sequence of changes within the limits, each user at most once per emoji', () => {
    const users = Array.from({ length: 30 }, (_, i) => ({ id: `u${i}`, username: `user${i}` }));
    const emoji = Array.from({ length: 24 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    const change = fc.record({
      emoji: fc.constantFrom(...emoji),
      user: fc.constantFrom(...users),
      add: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 400 }), (changes) => {
        let reactions: Reaction[] = [];
        for (const each of changes) {
          try {
            reactions = applyReaction(reactions, each) ?? reactions;
          } catch (error) {
            assert.ok(isChatError(error, 'TOO_MANY_REACTIONS'));
          }
          assert.ok(reactions.length <= ChatLimits.reactionEmojiMaxPerMessage);
          for (const reaction of reactions) {
            assert.ok(reaction.users.length > 0);
            assert.equal(new Set(reaction.users.map((user) => user.id)).size, reaction.users.length);
          }
        }
      }),
    );
  });

  it('refuses the reaction past the total limit on an emoji already there', () => {
    const full: Reaction[] = [
      {
        emoji: '👍',
        users: Array.from({ length: ChatLimits.reactionsMaxPerMessage }, (_, i) => ({
          id: `u${i}`,
          username: `u${i}`,
        })),
      },
    ];
    assert.throws(() => applyReaction(full, { emoji: '👍', user: ada, add: true }), { code: 'TOO_MANY_REACTIONS' });
    assert.equal(
      applyReaction(full, { emoji: '👍', user: { id: 'u0', username: 'u0' }, add: false })![0]!.users.length,
      255,
    );
  });
});
