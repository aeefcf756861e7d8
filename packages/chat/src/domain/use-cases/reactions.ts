/**
 * Emoji reactions: any member of a message's room may add or remove their own
 * reaction. Both are idempotent (a repeat changes nothing and broadcasts nothing),
 * and every change is a `messageReacted` room event, so catch-up restores reactions
 * exactly as it restores edits.
 */
import { ChatError } from '../errors.ts';
import { normalizeEmoji } from '../reactions.ts';
import type { ConnectionId, Message, MessageEvent, MessageId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface ReactResult {
  /** The message with its reactions after the request. */
  message: Message;
  /** The `messageReacted` event; `null` when the request changed nothing (a repeat). */
  event: MessageEvent | null;
  /** The emoji as stored (`normalizeEmoji`). */
  emoji: string;
}

export class ReactionService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /** Errors: INVALID_EMOJI, RATE_LIMITED, MESSAGE_NOT_FOUND, MESSAGE_DELETED, TOO_MANY_REACTIONS. */
  addReaction(userId: UserId, messageId: MessageId, emoji: string, origin?: ConnectionId): Promise<ReactResult> {
    return this.#react(userId, messageId, emoji, true, origin);
  }

  /** Errors: INVALID_EMOJI, RATE_LIMITED, MESSAGE_NOT_FOUND, MESSAGE_DELETED. */
  removeReaction(userId: UserId, messageId: MessageId, emoji: string, origin?: ConnectionId): Promise<ReactResult> {
    return this.#react(userId, messageId, emoji, false, origin);
  }

  async #react(
    userId: UserId,
    messageId: MessageId,
    input: string,
    add: boolean,
    origin: ConnectionId | undefined,
  ): Promise<ReactResult> {
    const context = this.#context;
    const emoji = normalizeEmoji(input);
    await context.limits.take('reaction', userId);
    await context.requireReadableMessage(userId, messageId);
    const user = await context.requireUser(userId);
    const result = await context.store.reactToMessage(
      messageId,
      { emoji, user: { id: user.id, username: user.username }, add },
      context.clock.now(),
    );
    if (!result) throw new ChatError('MESSAGE_DELETED');
    if (result.event) await context.publish(result.event.roomId, result.event, origin);
    return { ...result, emoji };
  }
}
