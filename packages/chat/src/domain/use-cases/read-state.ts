/** Read state: each member's read marker per room, from which unread counts follow. */
import { ChatError } from '../errors.ts';
import type { ConnectionId, RoomId, UserId, UserRoom } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface ReadState {
  roomId: RoomId;
  lastReadSeq: number;
  unread: number;
  /** Of the unread messages, those that mention the user. */
  mentions: number;
}

export class ReadStateService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Moves the user's read marker forward (never back) and, when it moved, tells
   * the user's other connections, so unread counts agree across devices. A marker
   * that does not move is neither written (every store) nor announced: clients
   * report the newest position they have seen, and repeats cost nothing.
   * Errors: ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async markRead(userId: UserId, roomId: RoomId, seq: number, origin?: ConnectionId): Promise<ReadState> {
    const { membership } = await this.#context.requireMember(userId, roomId);
    const state = await this.#state(userId, roomId, await this.#context.store.markRead(roomId, userId, seq));
    if (state.lastReadSeq > membership.lastReadSeq) {
      await this.#context.sendToUser(userId, { type: 'read', ...state }, origin);
    }
    return state;
  }

  /**
   * Marks the room unread from the message `seq` on: the marker moves back to just before
   * it (never forward), and the user's other connections hear it as they hear `markRead`.
   * A deliberate act, and a write each time, so it counts against the edits limit.
   * Errors: RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async markUnread(userId: UserId, roomId: RoomId, seq: number, origin?: ConnectionId): Promise<ReadState> {
    await this.#context.limits.take('edit', userId);
    await this.#context.requireMember(userId, roomId);
    const view = await this.#context.store.markUnread(roomId, userId, Math.max(0, seq - 1));
    const state = await this.#state(userId, roomId, view);
    await this.#context.sendToUser(userId, { type: 'read', ...state }, origin);
    return state;
  }

  /** The read state a view shows. Errors: NOT_A_MEMBER (no view: the user left meanwhile). */
  async #state(userId: UserId, roomId: RoomId, view: UserRoom | undefined): Promise<ReadState> {
    if (!view) throw new ChatError('NOT_A_MEMBER');
    const lastReadSeq = view.membership.lastReadSeq;
    // Mentions are unread messages: with nothing unread there is nothing to count.
    const [mentions = 0] =
      view.unread > 0 ? await this.#context.store.countMentions(userId, [{ roomId, afterSeq: lastReadSeq }]) : [];
    return { roomId, lastReadSeq, unread: view.unread, mentions };
  }
}
