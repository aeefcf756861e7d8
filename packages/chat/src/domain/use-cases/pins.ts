/**
 * Pinned messages: any member of a room may pin a message to it or unpin one,
 * up to `ChatLimits.pinsMaxPerRoom` per room, and read the room's pins. Both
 * changes are idempotent and are room events (`messagePinned`,
 * `messageUnpinned`), so catch-up restores pins as it restores edits.
 */

import type { MessageChangeResult } from '../../ports/chat-store.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { fittedPage } from '../message-page.ts';
import { pageLimit } from '../page-limit.ts';
import type { ConnectionId, HistoryPage, MessageId, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export class PinService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /** Errors: RATE_LIMITED (shared with edits), MESSAGE_NOT_FOUND, MESSAGE_DELETED, TOO_MANY_PINS. */
  pinMessage(userId: UserId, messageId: MessageId, origin?: ConnectionId): Promise<MessageChangeResult> {
    return this.#pin(userId, messageId, true, origin);
  }

  /** Errors: RATE_LIMITED (shared with edits), MESSAGE_NOT_FOUND, MESSAGE_DELETED. */
  unpinMessage(userId: UserId, messageId: MessageId, origin?: ConnectionId): Promise<MessageChangeResult> {
    return this.#pin(userId, messageId, false, origin);
  }

  /**
   * The room's pinned messages, oldest first: the `limit` newest with `seq < before`,
   * fewer when they would not fit in one frame (as `history`).
   * Errors: RATE_LIMITED (reads), ROOM_NOT_FOUND, NOT_A_MEMBER, BAD_REQUEST.
   */
  async pins(userId: UserId, roomId: RoomId, options: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const limit = pageLimit(options.limit, ChatLimits.pinsMaxPerRoom, ChatLimits.pinsMaxPerRoom);
    await this.#context.limits.take('read', userId);
    await this.#context.requireMember(userId, roomId);
    return fittedPage(
      roomId,
      await this.#context.store.listPinnedMessages(roomId, { beforeSeq: options.before, limit }),
    );
  }

  async #pin(userId: UserId, messageId: MessageId, pin: boolean, origin?: ConnectionId): Promise<MessageChangeResult> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    await context.requireReadableMessage(userId, messageId);
    const user = await context.requireUser(userId);
    const by = pin ? { id: user.id, username: user.username } : null;
    const result = await context.store.pinMessage(messageId, by, context.clock.now());
    if (!result) throw new ChatError('MESSAGE_DELETED');
    if (result.event) await context.publish(result.event.roomId, result.event, origin);
    return result;
  }
}
