/**
 * A page of messages that fits one frame: the store's newest-first read cut by
 * bytes, keeping the newest (the next page, before the first kept, has the
 * rest). Shared by `history` and `pins`.
 */
import type { MessagePage } from '../ports/chat-store.ts';
import { AnswerBudget } from './answer-budget.ts';
import type { HistoryPage, RoomId } from './types.ts';

export function fittedPage(roomId: RoomId, page: MessagePage): HistoryPage {
  const budget = new AnswerBudget();
  budget.take({ roomId, messages: [], hasMore: true });
  // Newest first, so a cut drops the oldest.
  const { taken, cut } = budget.takeWhile([...page.messages].reverse());
  return { roomId, messages: taken.reverse(), hasMore: page.hasMore || cut };
}
