/**
 * Threads on SQLite. A reply is a message of its room like any other (its row,
 * mentions, `message` event and search entry), with its root's id; the root's
 * thread summary (`reply_count`, `last_reply_at`, `last_reply_seq`) is updated and
 * its `threadUpdated` event appended in the same transaction, so a reply takes
 * two consecutive sequence numbers. Replies join the group commit of message
 * appends (group-commit.ts): a burst of replies costs one fsync per event-loop
 * turn, off the event loop, as a burst of sends does. A follower's read
 * position is a `thread_reads` row, moved forward only, in the group commit too.
 */
import { ChatError } from '../../domain/errors.ts';
import { requireThreadRoot, withReply } from '../../domain/threads.ts';
import type { UserId } from '../../domain/types.ts';
import type { ChatStore, NewReply, ReplyResult, ThreadRoot } from '../../ports/chat-store.ts';
import { newMessage } from '../new-message.ts';
import { writtenReply } from '../reply-result.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { createdMessageId, type SqliteGroupCommit } from './group-commit.ts';
import type { SqliteMentions } from './mentions.ts';
import { readMessage } from './messages.ts';
import type { SqliteRoomEvents } from './room-events.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteThreads {
  readonly #database: SqliteDatabase;
  readonly #events: SqliteRoomEvents;
  readonly #mentions: SqliteMentions;
  readonly #groupCommit: SqliteGroupCommit;
  readonly #reads: Pick<ChatStore, 'getThreadRead'>;

  /** `reads`: the store, which reads a thread's read position (sql-chat-store.ts). */
  constructor(
    database: SqliteDatabase,
    events: SqliteRoomEvents,
    mentions: SqliteMentions,
    groupCommit: SqliteGroupCommit,
    reads: Pick<ChatStore, 'getThreadRead'>,
  ) {
    this.#database = database;
    this.#events = events;
    this.#mentions = mentions;
    this.#groupCommit = groupCommit;
    this.#reads = reads;
  }

  /**
   * Joins this turn's group commit; the root is checked inside its transaction,
   * under the write lock, as every change of it takes that lock.
   */
  appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#groupCommit.add(() => this.#writeReply(reply), createdMessageId);
  }

  #writeReply(reply: NewReply): ReplyResult {
    const database = this.#database;
    const root = requireThreadRoot(readMessage(database, reply.rootId), reply.roomId);
    if (reply.clientMessageId !== null) {
      const existing = database
        .prepare(database.sql.messageByClientId)
        .get(reply.roomId, reply.authorId, reply.clientMessageId) as MessageRow | undefined;
      if (existing) return { message: toMessage(existing), root, events: [], created: false };
    }
    if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    const seq = this.#events.nextSeq(reply.roomId);
    database
      .prepare(
        `INSERT INTO messages (id, room_id, seq, author_id, author_name, text, client_message_id, created_at,
         thread_root_id, also_to_room, mentions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        reply.id,
        reply.roomId,
        seq,
        reply.authorId,
        reply.authorName,
        reply.text,
        reply.clientMessageId,
        reply.at,
        root.id,
        reply.alsoToRoom ? 1 : 0,
        reply.mentions ? JSON.stringify(reply.mentions) : null,
      );
    this.#mentions.insert(reply, seq);
    this.#events.insert(reply.roomId, seq, 'message', reply.at, reply.id, null);
    const threadSeq = this.#events.nextSeq(reply.roomId);
    database
      .prepare('UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ?, last_reply_seq = ? WHERE id = ?')
      .run(reply.at, seq, root.id);
    this.#events.insert(reply.roomId, threadSeq, 'threadUpdated', reply.at, root.id, null);
    return writtenReply(newMessage(reply, seq), { ...root, thread: withReply(root.thread, reply.at, seq) }, threadSeq);
  }

  /** Forward only: a position that would not move writes nothing (no fsync). */
  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    const current = await this.#reads.getThreadRead(userId, root);
    if (current !== undefined && current >= seq) return current;
    const database = this.#database;
    // In the group commit: each reply moves its replier's position, a transaction each was a tenth of a reply's CPU.
    await this.#groupCommit.add(() =>
      database.prepare(database.sql.markThreadRead).run(userId, root.id, root.roomId, root.seq, seq),
    );
    return (await this.#reads.getThreadRead(userId, root))!;
  }
}
