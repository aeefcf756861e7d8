/**
 * Threads on PostgreSQL. A reply is a message of its room like any other (its
 * row names the root in `thread_root_id`, with its `message` event), and the
 * root's reply count and last reply are updated with a `threadUpdated` event in
 * the same transaction: the reply takes two consecutive sequence numbers.
 * Replies are written in their room's append transaction (message-appends.ts),
 * under the room's lock, with the sends and replies that came with them; alone
 * (`appendReply`) only when that transaction failed.
 *
 * A follower's read position is a `thread_reads` row, moved forward by one
 * upsert that writes nothing when the position would not move.
 */
import { ChatError } from '../../domain/errors.ts';
import { mentionKeys } from '../../domain/mentions.ts';
import { requireThreadRoot } from '../../domain/threads.ts';
import type { UserId } from '../../domain/types.ts';
import type { NewReply, ReplyResult, ThreadRoot } from '../../ports/chat-store.ts';
import { writtenReply } from '../reply-result.ts';
import { searchWords } from '../search-text.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { MESSAGE_COLUMNS } from '../sql/statements.ts';
import type { PostgresDatabase, Transaction } from './postgres-database.ts';

export class PostgresThreads {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  /** A reply in a transaction of its own, the room's lock taken first (the room's append transaction failed). */
  async appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#database.transaction(async (tx) => {
      if (!(await this.#database.lockRoom(tx, reply.roomId))) throw new ChatError('MESSAGE_NOT_FOUND');
      return this.writeReply(tx, reply);
    });
  }

  /**
   * Writes a reply in `tx`, which holds the room's lock, so the root checked
   * here cannot change (be deleted, counted by another reply) before it ends.
   * Two statements, as the lock is held for their round trips: one reads the
   * root and a stored repeat, one writes the rest (`REPLY`). Every check comes
   * before the write: a refused reply (a ChatError) leaves `tx` as it was, for
   * the rest of its batch.
   */
  async writeReply(tx: Transaction, reply: NewReply): Promise<ReplyResult> {
    const found = await tx.query<MessageRow & { part: 'root' | 'repeat' }>(ROOT_AND_REPEAT, [
      reply.rootId,
      reply.roomId,
      reply.authorId,
      reply.clientMessageId,
    ]);
    const rootRow = found.find((row) => row.part === 'root');
    const root = requireThreadRoot(rootRow && toMessage(rootRow), reply.roomId);
    const repeat = found.find((row) => row.part === 'repeat');
    if (repeat) return { message: toMessage(repeat), root, events: [], created: false };
    if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    const written = await tx.query<MessageRow & { part: 'reply' | 'root' }>(REPLY, [
      reply.id,
      reply.roomId,
      reply.authorId,
      reply.authorName,
      reply.text,
      searchWords(reply.text),
      reply.clientMessageId,
      reply.at,
      root.id,
      reply.alsoToRoom,
      reply.mentions ? JSON.stringify(reply.mentions) : null,
      mentionKeys(reply.mentions),
    ]);
    const replyRow = written.find((row) => row.part === 'reply')!;
    const rootAfter = toMessage(written.find((row) => row.part === 'root')!);
    return writtenReply(toMessage(replyRow), rootAfter, rootAfter.thread!.lastReplySeq + 1);
  }

  /**
   * Forward only: a position that would not move writes no row version. One
   * round trip: the upsert answers the position it wrote, or the one it kept.
   */
  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    const [row] = await this.#database.query<{ last_read_seq: number }>(
      `WITH moved AS (${this.#database.sql.markThreadRead} RETURNING last_read_seq)
       SELECT last_read_seq FROM moved
       UNION ALL
       SELECT last_read_seq FROM thread_reads
       WHERE user_id = $1 AND root_id = $2 AND NOT EXISTS (SELECT 1 FROM moved)`,
      [userId, root.id, root.roomId, root.seq, seq],
    );
    return row!.last_read_seq;
  }
}

/** `$1` the root's id; `$2…$4` the reply's room, author and client message id: the root, and a reply stored before. */
const ROOT_AND_REPEAT = `
  SELECT 'root' AS part, ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = $1
  UNION ALL
  SELECT 'repeat' AS part, ${MESSAGE_COLUMNS} FROM messages m
  WHERE m.room_id = $2 AND m.author_id = $3 AND m.client_message_id = $4`;

/**
 * A reply, under its room's lock: the room's sequence bumped by two, the reply
 * at the first number with its message event and mentions, the root's thread
 * summary with its threadUpdated event at the second. `$1…$12`: the reply's
 * id, room, author id and name, text, search words, client message id, time,
 * root id, also-to-room, mentions (JSON or null) and mention keys.
 */
const REPLY = `
  WITH bump AS (
    UPDATE rooms SET last_seq = last_seq + 2 WHERE id = $2 RETURNING last_seq
  ), inserted AS (
    INSERT INTO messages AS m (id, room_id, seq, author_id, author_name, text, search_words, client_message_id,
      created_at, thread_root_id, also_to_room, mentions)
    SELECT $1, $2, bump.last_seq - 1, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM bump
    RETURNING ${MESSAGE_COLUMNS}
  ), event AS (
    INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
  ), mentioned AS (
    INSERT INTO message_mentions (room_id, user_id, seq) SELECT room_id, unnest($12::text[]), seq FROM inserted
  ), thread_event AS (
    INSERT INTO events (room_id, seq, type, at, message_id) SELECT $2, last_seq, 'threadUpdated', $8, $9 FROM bump
  ), updated AS (
    UPDATE messages AS m SET reply_count = m.reply_count + 1, last_reply_at = $8, last_reply_seq = bump.last_seq - 1
    FROM bump WHERE m.id = $9
    RETURNING ${MESSAGE_COLUMNS}
  )
  SELECT 'reply' AS part, * FROM inserted
  UNION ALL
  SELECT 'root' AS part, * FROM updated`;
