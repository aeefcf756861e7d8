/**
 * Emoji reactions: which strings are a reaction, and how one add or remove
 * changes a message's reactions. Pure functions: the stores apply
 * `applyReaction` inside the atomic write that appends the `messageReacted`
 * event, so the bounds hold under concurrent writers too.
 *
 * Bounds: a message carries every reactor's id and name, so its size (and the
 * size of every history page and catch-up answer that holds it) is bounded by
 * `ChatLimits.reactionEmojiMaxPerMessage` distinct emoji and
 * `ChatLimits.reactionsMaxPerMessage` reactions in all: at the limits the
 * reactions take about 25 KB, so a message with the longest text still fits in
 * one frame with room to spare (test/answer-size-suite.ts).
 */
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';
import type { Reaction, UserRef } from './types.ts';

/** The emoji a client offers first; any other single emoji is accepted too. */
export const CURATED_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'] as const;

/**
 * One emoji as Unicode's recommended set for general interchange (RGI) spells
 * it: a single emoji, flag, keycap, modifier or ZWJ sequence. `\p{RGI_Emoji}`
 * needs the `v` flag (ES2024; Node 20 has it), newer than the compile target,
 * which refuses it in a literal.
 */
// biome-ignore lint/complexity/useRegexLiterals: a literal with the `v` flag does not compile for ES2022.
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** Emoji presentation selector: `❤` typed as text becomes the emoji `❤️`. */
const EMOJI_PRESENTATION = '\uFE0F';

/**
 * The emoji as stored: one RGI emoji of at most `ChatLimits.reactionEmojiMaxLength`
 * UTF-16 code units. A text-style character that has an emoji form (`❤`, `☺`)
 * gets its presentation selector, so both spellings count as one reaction.
 * Errors: INVALID_EMOJI.
 */
export function normalizeEmoji(input: string): string {
  if (input.length > 0 && input.length <= ChatLimits.reactionEmojiMaxLength) {
    if (SINGLE_EMOJI.test(input)) return input;
    const presented = input + EMOJI_PRESENTATION;
    if (presented.length <= ChatLimits.reactionEmojiMaxLength && SINGLE_EMOJI.test(presented)) return presented;
  }
  throw new ChatError('INVALID_EMOJI');
}

export interface ReactionChange {
  /** Already normalised (`normalizeEmoji`). */
  emoji: string;
  user: UserRef;
  /** `true` to add the user's reaction, `false` to remove it. */
  add: boolean;
}

/**
 * The reactions after `change`, or `undefined` when it changes nothing (the user
 * had already reacted with that emoji, or had not). Never mutates `current`.
 * Errors: TOO_MANY_REACTIONS when an add would pass a per-message limit.
 */
export function applyReaction(current: readonly Reaction[], change: ReactionChange): Reaction[] | undefined {
  const { emoji, user, add } = change;
  const index = current.findIndex((reaction) => reaction.emoji === emoji);
  const existing = index === -1 ? undefined : current[index]!;
  const reacted = existing?.users.some((reactor) => reactor.id === user.id) ?? false;
  if (add === reacted) return undefined;
  if (!add) {
    const users = existing!.users.filter((reactor) => reactor.id !== user.id);
    return users.length === 0
      ? current.filter((_, i) => i !== index)
      : current.map((reaction, i) => (i === index ? { emoji, users } : reaction));
  }
  const total = current.reduce((sum, reaction) => sum + reaction.users.length, 0);
  if (total >= ChatLimits.reactionsMaxPerMessage) {
    throw new ChatError(
      'TOO_MANY_REACTIONS',
      `A message takes at most ${ChatLimits.reactionsMaxPerMessage} reactions.`,
    );
  }
  const reactor = { id: user.id, username: user.username };
  if (existing) {
    return current.map((reaction, i) => (i === index ? { emoji, users: [...reaction.users, reactor] } : reaction));
  }
  if (current.length >= ChatLimits.reactionEmojiMaxPerMessage) {
    throw new ChatError(
      'TOO_MANY_REACTIONS',
      `A message takes at most ${ChatLimits.reactionEmojiMaxPerMessage} different emoji.`,
    );
  }
  return [...current, { emoji, users: [reactor] }];
}
