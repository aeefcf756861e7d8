/** Read state: each member's read marker per room, from which unread counts follow. */
import { ChatError } from '../errors.ts';
import type { ConnectionId, RoomId, UserId } from '../types.ts';
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
    const view = await this.#context.store.markRead(roomId, userId, seq);
    if (!view) throw new ChatError('NOT_A_MEMBER');
    const lastReadSeq = view.membership.lastReadSeq;
    // Mentions are unread messages: with nothing unread there is nothing to count.
    const [mentions = 0] =
      view.unread > 0 ? await this.#context.store.countMentions(userId, [{ roomId, afterSeq: lastReadSeq }]) : [];
    const state: ReadState = { roomId, lastReadSeq, unread: view.unread, mentions };
    if (state.lastReadSeq > membership.lastReadSeq) {
      await this.#context.sendToUser(userId, { type: 'read', ...state }, origin);
    }
    return state;
  }
}
