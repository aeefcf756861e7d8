/**
 * Finding people by name, to start a direct conversation with anyone, online or
 * not: usernames that start with what was typed, a byte-bounded page at a time.
 * Usernames are public in the chat (every room shows its members), so any
 * signed-in user may look them up; the rate limit keeps it from being a way to
 * walk the whole user list quickly.
 */
import { AnswerBudget } from '../answer-budget.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import type { UserId, UserSummary } from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';

/** A page of `findUsers`. */
export interface UsersPage {
  /** By username. */
  users: UserSummary[];
  /** More follow: `findUsers` with the same query and this cursor. */
  nextCursor?: string;
}

export class UserLookupService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Users whose username starts with `query` (case-insensitive, a leading `@`
   * ignored), the caller included, by username. Errors: BAD_REQUEST (an empty
   * or too long query, a cursor that is not a `findUsers` one), RATE_LIMITED.
   */
  async findUsers(userId: UserId, query: string, cursor?: string): Promise<UsersPage> {
    const prefix = query.trim().replace(/^@/, '').toLowerCase();
    if (prefix === '' || prefix.length > ChatLimits.userLookupQueryMaxLength) {
      throw new ChatError('BAD_REQUEST', `Type 1 to ${ChatLimits.userLookupQueryMaxLength} characters of a username.`);
    }
    const after = cursor === undefined ? undefined : decodeCursor(cursor, 'users').after;
    await this.#context.limits.take('lookup', userId);
    const found = await this.#context.store.findUsers(prefix, {
      ...(after !== undefined && { after }),
      limit: ChatLimits.userLookupPageSize + 1,
    });
    const { items, more } = new AnswerBudget().page(found.map(userSummary), ChatLimits.userLookupPageSize);
    if (!more) return { users: items };
    return { users: items, nextCursor: encodeCursor({ list: 'users', after: items.at(-1)?.username ?? after ?? '' }) };
  }
}
