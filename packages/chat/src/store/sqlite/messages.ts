/**
 * Changes of a sent message on SQLite: edits, deletions, reactions and pins.
 * Each is one `BEGIN IMMEDIATE` transaction that reads the message, changes its
 * row and appends its event (room-events.ts); the write lock holds off every
 * other writer from the read to the event, so a change decided on the message
 * as read is never lost to another. A deleted message takes no change.
 */
import { ChatError } from '../../domain/errors.ts';
import { ChatLimits } from '../../domain/limits.ts';
import { applyReaction, type ReactionChange } from '../../domain/reactions.ts';
import type { Message, MessageEvent, MessageId, UserRef } from '../../domain/types.ts';
import type { MessageChangeResult } from '../../ports/chat-store.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import type { SqliteRoomEvents } from './room-events.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteMessages {
  readonly #database: SqliteDatabase;
  readonly #events: SqliteRoomEvents;

  constructor(database: SqliteDatabase, events: SqliteRoomEvents) {
    this.#database = database;
    this.#events = events;
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', () =>
      this.#database.prepare('UPDATE messages SET text = ?, edited_at = ? WHERE id = ?').run(text, at, messageId),
    );
  }

  async deleteMessage(
    messageId: MessageId,
    at: number,
    options: { byModerator?: boolean } = {},
  ): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', () =>
      this.#database
        .prepare(
          `UPDATE messages SET text = '', reactions = '[]', attachments = '[]', pinned_at = NULL, pinned_by_id = NULL,
         pinned_by_name = NULL, deleted_at = ?, removed_by_moderator = ? WHERE id = ?`,
        )
        .run(at, options.byModerator ? 1 : 0, messageId),
    );
  }

  async reactToMessage(
    messageId: MessageId,
    change: ReactionChange,
    at: number,
  ): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, (current) => {
      const reactions = applyReaction(current.reactions, change);
      return reactions && { type: 'messageReacted', set: { reactions: JSON.stringify(reactions) } };
    });
  }

  async pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    return this.#changeLiveMessage(messageId, at, (current) => {
      if ((by !== null) === (current.pinnedAt !== null)) return undefined;
      if (by === null) {
        return { type: 'messageUnpinned', set: { pinned_at: null, pinned_by_id: null, pinned_by_name: null } };
      }
      const { n } = this.#database.prepare(this.#database.sql.pinCount).get(current.roomId) as { n: number };
      if (n >= ChatLimits.pinsMaxPerRoom) throw new ChatError('TOO_MANY_PINS');
      return { type: 'messagePinned', set: { pinned_at: at, pinned_by_id: by.id, pinned_by_name: by.username } };
    });
  }

  /**
   * A change of a live message that appends its event: `decide` sees the message
   * as stored and answers the columns to set, or `undefined` for a no-op. The
   * write lock (`write` is IMMEDIATE) holds off every other writer from the read to the event.
   */
  #changeLiveMessage(
    messageId: MessageId,
    at: number,
    decide: (current: Message) => { type: MessageEvent['type']; set: Record<string, unknown> } | undefined,
  ): MessageChangeResult | undefined {
    const database = this.#database;
    return database.write(() => {
      const current = readMessage(database, messageId);
      if (!current || current.deletedAt !== null) return undefined;
      const change = decide(current);
      if (!change) return { message: current, event: null };
      const seq = this.#events.nextSeq(current.roomId);
      const columns = Object.keys(change.set);
      database
        .prepare(`UPDATE messages SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`)
        .run(...Object.values(change.set), messageId);
      this.#events.insert(current.roomId, seq, change.type, at, messageId, null);
      const message = readMessage(database, messageId)!;
      return { message, event: { type: change.type, roomId: current.roomId, seq, at, message } as MessageEvent };
    });
  }

  #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    change: () => void,
  ): MessageEvent | undefined {
    const database = this.#database;
    return database.write(() => {
      const current = readMessage(database, messageId);
      if (!current || current.deletedAt !== null) return undefined;
      const seq = this.#events.nextSeq(current.roomId);
      change();
      this.#events.insert(current.roomId, seq, type, at, messageId, null);
      return { type, roomId: current.roomId, seq, at, message: readMessage(database, messageId)! };
    });
  }
}

/** The message `id` as stored; a read inside a write, synchronous so the transaction stays one. */
export function readMessage(database: SqliteDatabase, id: MessageId): Message | undefined {
  const row = database.prepare(database.sql.messageById).get(id) as MessageRow | undefined;
  return row && toMessage(row);
}
