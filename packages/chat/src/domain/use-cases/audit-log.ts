/**
 * The audit log of moderation: every role change, removal, message removed by a
 * moderator and read-only switch, with who did it to whom and when (written by
 * `ServiceContext.recordModeration`). A room's owner and admins read their
 * room's log; the server's admins (`CHAT_ADMINS`) read any room's, and the log
 * of every room. Newest first, a page at a time, each page fitting one frame.
 */
import type { AuditKey, Page } from '../../ports/chat-store.ts';
import { AnswerBudget } from '../answer-budget.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { mayModerate } from '../room-permissions.ts';
import type { AuditEntry, RoomId, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

/** A page of the audit log. */
export interface AuditPage {
  entries: AuditEntry[];
  /** Older entries follow: `auditLog` with this cursor. */
  nextCursor?: string;
}

export class AuditLogService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * The log of one room (`roomId`), or of every room (absent: server admins only).
   * Errors: RATE_LIMITED (reads), ROOM_NOT_FOUND, NOT_A_MEMBER, NOT_ROOM_MODERATOR, NOT_SERVER_ADMIN,
   * BAD_REQUEST (a cursor that is not an `auditLog` one).
   */
  async list(userId: UserId, roomId: RoomId | undefined, cursor?: string): Promise<AuditPage> {
    const context = this.#context;
    await context.limits.take('read', userId);
    if (!(await context.isServerAdmin(userId))) {
      if (roomId === undefined) throw new ChatError('NOT_SERVER_ADMIN');
      const { room, membership } = await context.requireMember(userId, roomId);
      if (!mayModerate(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    } else if (roomId !== undefined && !(await context.store.getRoom(roomId))) {
      throw new ChatError('ROOM_NOT_FOUND');
    }
    const page: Page<AuditKey> = { limit: ChatLimits.auditPageSize + 1 };
    if (cursor !== undefined) {
      const { at, id } = decodeCursor(cursor, 'audit');
      page.after = { at, id };
    }
    const entries = await context.store.listAuditEntries(roomId ?? null, page);
    const { items, more } = new AnswerBudget().page(entries, ChatLimits.auditPageSize);
    const last = items.at(-1);
    if (!more || last === undefined) return { entries: items };
    return { entries: items, nextCursor: encodeCursor({ list: 'audit', at: last.at, id: last.id }) };
  }
}
