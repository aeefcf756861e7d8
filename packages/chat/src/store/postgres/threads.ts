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
import type { ChatStore, NewReply, ReplyResult, ThreadRoot } from '../../ports/chat-store.ts';
import { writtenReply } from '../reply-result.ts';
import { searchWords } from '../search-text.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { MESSAGE_COLUMNS } from '../sql/statements.ts';
import type { PostgresDatabase, Transaction } from './postgres-database.ts';

/** The store's read a thread's read position answers with (store/sql/sql-chat-store.ts). */
export type ThreadReads = Pick<ChatStore, 'getThreadRead'>;

export class PostgresThreads {
  readonly #database: PostgresDatabase;
  readonly #reads: ThreadReads;

  constructor(database: PostgresDatabase, reads: ThreadReads) {
    this.#database = database;
    this.#reads = reads;
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
   * Every check comes before the first write: a refused reply (a ChatError)
   * leaves `tx` as it was, for the rest of its batch.
   */
  async writeReply(tx: Transaction, reply: NewReply): Promise<ReplyResult> {
    const [rootRow] = await tx.query<MessageRow>(this.#database.sql.messageById, [reply.rootId]);
    const root = requireThreadRoot(rootRow && toMessage(rootRow), reply.roomId);
    if (reply.clientMessageId !== null) {
      const [existing] = await tx.query<MessageRow>(this.#database.sql.messageByClientId, [
        reply.roomId,
        reply.authorId,
        reply.clientMessageId,
      ]);
      if (existing) return { message: toMessage(existing), root, events: [], created: false };
    }
    if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    const seq = (await this.#database.nextSeq(tx, reply.roomId))!;
    const [row] = await tx.query<MessageRow>(
      `WITH inserted AS (
         INSERT INTO messages AS m (id, room_id, seq, author_id, author_name, text, search_words, client_message_id,
           created_at, thread_root_id, also_to_room, mentions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING ${MESSAGE_COLUMNS}
       ), event AS (
         INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
       ), mentioned AS (
         INSERT INTO message_mentions (room_id, user_id, seq) SELECT room_id, unnest($13::text[]), seq FROM inserted
       )
       SELECT * FROM inserted`,
      [
        reply.id,
        reply.roomId,
        seq,
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
      ],
    );
    const threadSeq = (await this.#database.nextSeq(tx, reply.roomId))!;
    const [updatedRow] = await tx.query<MessageRow>(
      `WITH event AS (INSERT INTO events (room_id, seq, type, at, message_id) VALUES ($4, $5, 'threadUpdated', $2, $1))
       UPDATE messages AS m SET reply_count = reply_count + 1, last_reply_at = $2, last_reply_seq = $3
       WHERE m.id = $1 RETURNING ${MESSAGE_COLUMNS}`,
      [root.id, reply.at, seq, reply.roomId, threadSeq],
    );
    return writtenReply(toMessage(row!), toMessage(updatedRow!), threadSeq);
  }

  /** Forward only: a position that would not move writes no row version. */
  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    await this.#database.query(this.#database.sql.markThreadRead, [userId, root.id, root.roomId, root.seq, seq]);
    return (await this.#reads.getThreadRead(userId, root))!;
  }
}
