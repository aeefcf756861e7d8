/**
 * Changes of a message on PostgreSQL: edits, deletes, reactions and pins, each
 * with its event under the room's next sequence number. Each is one
 * transaction that locks the room's row first, as every event-producing write
 * does: the sequence bump (`#changeMessage`) or `SELECT … FOR UPDATE` when the
 * change is decided from what is read (`#changeLiveMessage`), so the message
 * and the room's pins cannot change before it commits.
 */
import { ChatError } from '../../domain/errors.ts';
import { ChatLimits } from '../../domain/limits.ts';
import { applyReaction, type ReactionChange } from '../../domain/reactions.ts';
import type { Message, MessageEvent, MessageId, RoomId, UserRef } from '../../domain/types.ts';
import type { MessageChangeResult } from '../../ports/chat-store.ts';
import { searchWords } from '../search-text.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { MESSAGE_COLUMNS } from '../sql/statements.ts';
import type { PostgresDatabase, Transaction } from './postgres-database.ts';

export class PostgresMessages {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', 'text = $4, search_words = $5, edited_at = $2', [
      text,
      searchWords(text),
    ]);
  }

  async deleteMessage(
    messageId: MessageId,
    at: number,
    options: { byModerator?: boolean } = {},
  ): Promise<MessageEvent | undefined> {
    return this.#changeMessage(
      messageId,
      at,
      'messageDeleted',
      `text = '', search_words = '', reactions = '[]', attachments = '[]', pinned_at = NULL, pinned_by_id = NULL,
       pinned_by_name = NULL, deleted_at = $2, removed_by_moderator = $4`,
      [options.byModerator ?? false],
    );
  }

  async reactToMessage(
    messageId: MessageId,
    change: ReactionChange,
    at: number,
  ): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, async (current) => {
      const reactions = applyReaction(current.reactions, change);
      return reactions && { type: 'messageReacted', set: { reactions: JSON.stringify(reactions) } };
    });
  }

  async pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, async (current, tx) => {
      if ((by !== null) === (current.pinnedAt !== null)) return undefined;
      if (by === null) {
        return { type: 'messageUnpinned', set: { pinned_at: null, pinned_by_id: null, pinned_by_name: null } };
      }
      // Counted under the room's lock: every pin of the room waits for it.
      const [{ n }] = (await tx.query<{ n: number }>(this.#database.sql.pinCount, [current.roomId])) as [{ n: number }];
      if (Number(n) >= ChatLimits.pinsMaxPerRoom) throw new ChatError('TOO_MANY_PINS');
      return { type: 'messagePinned', set: { pinned_at: at, pinned_by_id: by.id, pinned_by_name: by.username } };
    });
  }

  /**
   * A change of a live message that appends its event. The room row is locked
   * first, as every event-producing write locks it, so what `decide` reads (the
   * message, the room's pins) cannot change before the transaction ends, and no
   * lock order is inverted; `decide` answers the columns to set, or `undefined`
   * for a no-op.
   */
  #changeLiveMessage(
    messageId: MessageId,
    at: number,
    decide: (
      current: Message,
      tx: Transaction,
    ) => Promise<{ type: MessageEvent['type']; set: Record<string, unknown> } | undefined>,
  ): Promise<MessageChangeResult | undefined> {
    return this.#database.transaction(async (tx) => {
      const [room] = await tx.query<{ id: RoomId; last_seq: number }>(
        `SELECT id, last_seq FROM rooms WHERE id = (SELECT room_id FROM messages WHERE id = $1) FOR UPDATE`,
        [messageId],
      );
      if (!room) return undefined;
      const [row] = await tx.query<MessageRow>(this.#database.sql.messageById, [messageId]);
      const current = row && toMessage(row);
      if (!current || current.deletedAt !== null) return undefined;
      const change = await decide(current, tx);
      if (!change) return { message: current, event: null };
      const seq = Number(room.last_seq) + 1;
      const columns = Object.keys(change.set);
      const [changed] = await tx.query<MessageRow>(
        `WITH bump AS (UPDATE rooms SET last_seq = $3 WHERE id = $2),
           event AS (INSERT INTO events (room_id, seq, type, at, message_id) VALUES ($2, $3, $4, $5, $1))
         UPDATE messages AS m SET ${columns.map((column, i) => `${column} = $${i + 6}`).join(', ')}
         WHERE m.id = $1 RETURNING ${MESSAGE_COLUMNS}`,
        [messageId, room.id, seq, change.type, at, ...Object.values(change.set)],
      );
      const message = toMessage(changed!);
      return { message, event: { type: change.type, roomId: room.id, seq, at, message } as MessageEvent };
    });
  }

  /**
   * Bumps the room's sequence, changes the live message (`assignments` over
   * `$2` = at and `$4…` = `values`) and appends the event; or changes nothing
   * (`undefined`) when the message is missing or deleted.
   */
  #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    assignments: string,
    values: unknown[],
  ): Promise<MessageEvent | undefined> {
    return this.#database.transaction(async (tx) => {
      // The message's room never changes, so reading it in the bump is safe; the bump locks the room first.
      const [room] = await tx.query<{ id: RoomId; last_seq: number }>(
        `UPDATE rooms SET last_seq = last_seq + 1
         WHERE id = (SELECT room_id FROM messages WHERE id = $1) RETURNING id, last_seq`,
        [messageId],
      );
      if (!room) return undefined;
      const [row] = await tx.query<MessageRow>(
        `WITH changed AS (
           UPDATE messages AS m SET ${assignments} WHERE m.id = $1 AND m.deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, $3, '${type}', $2, id FROM changed
         )
         SELECT * FROM changed`,
        [messageId, at, room.last_seq, ...values],
      );
      if (!row) return tx.rollback(undefined);
      return { type, roomId: room.id, seq: room.last_seq, at, message: toMessage(row) };
    });
  }
}
