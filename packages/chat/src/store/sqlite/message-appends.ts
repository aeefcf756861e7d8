/**
 * Message appends on SQLite: each joins the group commit of its event-loop turn
 * (group-commit.ts), so a turn's sends share one transaction and one fsync run
 * off the event loop. A retry (a `clientMessageId` already stored) is answered
 * with the stored message and writes nothing.
 */
import type { AppendResult, NewMessage } from '../../ports/chat-store.ts';
import { appendResult, newMessage } from '../new-message.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { createdMessageId, type SqliteGroupCommit } from './group-commit.ts';
import type { SqliteMentions } from './mentions.ts';
import type { SqliteRoomEvents } from './room-events.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteMessageAppends {
  readonly #database: SqliteDatabase;
  readonly #events: SqliteRoomEvents;
  readonly #mentions: SqliteMentions;
  readonly #groupCommit: SqliteGroupCommit;

  constructor(
    database: SqliteDatabase,
    events: SqliteRoomEvents,
    mentions: SqliteMentions,
    groupCommit: SqliteGroupCommit,
  ) {
    this.#database = database;
    this.#events = events;
    this.#mentions = mentions;
    this.#groupCommit = groupCommit;
  }

  /** Joins this turn's group commit, and resolves once its batch is durable. */
  appendMessage(message: NewMessage): Promise<AppendResult> {
    return this.#groupCommit.add(() => this.#appendOne(message), createdMessageId);
  }

  #appendOne(message: NewMessage): AppendResult {
    const database = this.#database;
    if (message.clientMessageId !== null) {
      const existing = database
        .prepare(database.sql.messageByClientId)
        .get(message.roomId, message.authorId, message.clientMessageId) as MessageRow | undefined;
      if (existing) return appendResult(toMessage(existing), false);
    }
    const seq = this.#events.nextSeq(message.roomId);
    database
      .prepare(
        `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at, mentions,
         attachments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        message.id,
        message.roomId,
        seq,
        message.authorId,
        message.authorName,
        message.text,
        message.clientMessageId,
        message.at,
        message.mentions ? JSON.stringify(message.mentions) : null,
        JSON.stringify(message.attachments ?? []),
      );
    this.#mentions.insert(message, seq);
    this.#events.insert(message.roomId, seq, 'message', message.at, message.id, null);
    return appendResult(newMessage(message, seq), true);
  }
}
