/** Full-text search over the messages a user may read. */
import { AnswerBudget } from '../answer-budget.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { pageLimit } from '../page-limit.ts';
import { searchTerms } from '../search-terms.ts';
import type { RoomId, RoomSummary, SearchResult, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export class SearchService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Full-text search over the rooms and direct conversations the user is a member
   * of, newest first: up to `limit` results, fewer when they would not fit in one
   * frame. Every word of the query must match the start of a word.
   * Errors: BAD_REQUEST (no letters or digits, bad limit), RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async search(
    userId: UserId,
    query: string,
    options: { roomId?: RoomId; limit?: number } = {},
  ): Promise<SearchResult[]> {
    const terms = searchTerms(query.slice(0, ChatLimits.searchQueryMaxLength));
    if (terms.length === 0) throw new ChatError('BAD_REQUEST', 'Search for at least one word.');
    const limit = pageLimit(options.limit, ChatLimits.searchDefaultLimit, ChatLimits.searchMaxLimit);
    await this.#context.limits.take('search', userId);
    if (options.roomId !== undefined) await this.#context.requireMember(userId, options.roomId);
    const hits = await this.#context.store.searchMessages({ userId, terms, roomId: options.roomId, limit });
    const peerNames = new Map<RoomId, string>();
    const results: SearchResult[] = [];
    for (const { message, room, snippet } of hits) {
      let roomName = room.name;
      if (room.kind === 'direct') {
        if (!peerNames.has(room.id)) peerNames.set(room.id, directName(await this.#context.summary(userId, room.id)));
        roomName = peerNames.get(room.id)!;
      }
      results.push({ message, roomId: room.id, roomKind: room.kind, roomName: roomName ?? '', snippet });
    }
    const budget = new AnswerBudget();
    budget.take({ query, results: [] });
    return budget.takeWhile(results).taken;
  }
}

/** A direct conversation's name for the caller: the peer's username, or the other people's of a group. */
function directName(summary: RoomSummary): string {
  return summary.peer?.username ?? (summary.members ?? []).map((member) => member.username).join(', ');
}
