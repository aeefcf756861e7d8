/**
 * Message appends on PostgreSQL (sends and thread replies), with group commit.
 *
 * - Group commit: a room's appends share one transaction (`#appendBatch`), one
 *   at a time per room and node; those that arrive while it runs go into the
 *   next. The room's lock is taken once, repeats are found under it, one bump
 *   numbers the sends, and the replies follow one by one (threads.ts), so a
 *   busy room's senders and repliers do not queue on its row one transaction
 *   (and one WAL flush) each, nor wait on it past the statement timeout.
 * - Idempotent appends: a unique constraint on (room, author, client message
 *   id) with `ON CONFLICT DO NOTHING`; a repeat rolls its bump back and answers
 *   the stored message.
 */
import { ChatError } from '../../domain/errors.ts';
import { mentionKeys } from '../../domain/mentions.ts';
import type { RoomId } from '../../domain/types.ts';
import type { AppendResult, NewMessage, NewReply, ReplyResult } from '../../ports/chat-store.ts';
import { appendResult } from '../new-message.ts';
import { searchWords } from '../search-text.ts';
import { type MessageRow, toMessage } from '../sql/rows.ts';
import { MESSAGE_COLUMNS } from '../sql/statements.ts';
import { isOutage, type PostgresDatabase, storeError, type Transaction } from './postgres-database.ts';
import type { PostgresThreads } from './threads.ts';

/** Sends in one transaction at most (the arrays of one statement). */
const APPEND_BATCH_MAX = 500;
/**
 * Replies in one transaction at most: each holds the room's lock for two round
 * trips, and another node's transaction waits for that lock within its
 * statement timeout (`queryTimeoutMs`, 2 s by default).
 */
const REPLY_BATCH_MAX = 50;

/** A send waiting for its room's transaction. */
interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

/** A thread reply waiting for its room's transaction. */
interface PendingReply {
  reply: NewReply;
  resolve: (result: ReplyResult) => void;
  reject: (error: Error) => void;
}

/** What waits for a room's next transaction, in arrival order within each kind. */
interface RoomBatch {
  appends: PendingAppend[];
  replies: PendingReply[];
}

/** What became of one reply of a batch: a refusal (a ChatError thrown before it wrote) leaves the batch going. */
type ReplyOutcome = { ok: true; result: ReplyResult } | { ok: false; error: Error };

export class PostgresMessageAppends {
  readonly #database: PostgresDatabase;
  readonly #threads: PostgresThreads;
  /** Appends waiting for their room's next transaction, by room. */
  readonly #pendingAppends = new Map<RoomId, RoomBatch>();
  #flushScheduled = false;
  /** Rooms with an append transaction running, and those transactions. */
  readonly #appendingRooms = new Set<RoomId>();
  readonly #runningAppends = new Set<Promise<void>>();

  /** `threads`: writes a reply inside a room's transaction (threads.ts). */
  constructor(database: PostgresDatabase, threads: PostgresThreads) {
    this.#database = database;
    this.#threads = threads;
  }

  /** Writes the appends still waiting for their room's transaction, and waits for every running one. */
  async drain(): Promise<void> {
    this.#flushAppends();
    while (this.#runningAppends.size > 0) await Promise.allSettled([...this.#runningAppends]);
  }

  /** Queues the send for its room's next transaction (`#appendBatch`). */
  appendMessage(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.#waiting(message.roomId).appends.push({ message, resolve, reject }));
  }

  /** Queues the reply for its room's next transaction (`#appendBatch`). */
  appendReply(reply: NewReply): Promise<ReplyResult> {
    return new Promise((resolve, reject) => this.#waiting(reply.roomId).replies.push({ reply, resolve, reject }));
  }

  /** The room's appends waiting for its next transaction, which this turn's end starts if none runs. */
  #waiting(roomId: RoomId): RoomBatch {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flushAppends);
    }
    let batch = this.#pendingAppends.get(roomId);
    if (!batch) {
      batch = { appends: [], replies: [] };
      this.#pendingAppends.set(roomId, batch);
    }
    return batch;
  }

  /**
   * Starts a transaction for each room with appends waiting and none running: a
   * room's appends that arrive while its transaction runs wait for the next one,
   * so its lock is taken by one transaction of this node at a time, however busy.
   */
  readonly #flushAppends = (): void => {
    this.#flushScheduled = false;
    for (const roomId of [...this.#pendingAppends.keys()]) this.#startAppends(roomId);
  };

  #startAppends(roomId: RoomId): void {
    const waiting = this.#pendingAppends.get(roomId);
    if (!waiting || this.#appendingRooms.has(roomId)) return;
    const appends = waiting.appends.splice(0, APPEND_BATCH_MAX);
    const batch = { appends, replies: waiting.replies.splice(0, REPLY_BATCH_MAX) };
    if (waiting.appends.length === 0 && waiting.replies.length === 0) this.#pendingAppends.delete(roomId);
    this.#appendingRooms.add(roomId);
    const running = this.#appendBatch(roomId, batch).finally(() => {
      this.#appendingRooms.delete(roomId);
      this.#runningAppends.delete(running);
      this.#startAppends(roomId);
    });
    this.#runningAppends.add(running);
  }

  /**
   * One transaction of a room's waiting appends: the room's lock, the sends
   * (`#sendAll`), then each reply (threads.ts), a refused one left out. If the
   * batch fails for a reason other than the database (a sender removed
   * meanwhile), each append is tried alone, so one cannot fail the others.
   */
  async #appendBatch(roomId: RoomId, { appends, replies }: RoomBatch): Promise<void> {
    const messages = appends.map((pending) => pending.message);
    let sent: MessageRow[];
    let replied: ReplyOutcome[];
    try {
      [sent, replied] = await this.#database.transaction(async (tx) => {
        if (!(await this.#database.lockRoom(tx, roomId))) throw new ChatError('ROOM_NOT_FOUND');
        const rows = messages.length === 0 ? [] : await this.#sendAll(tx, roomId, messages);
        const outcomes: ReplyOutcome[] = [];
        for (const { reply } of replies) outcomes.push(await this.#replyIn(tx, reply));
        return [rows, outcomes] as const;
      });
    } catch (error) {
      const failure = error instanceof Error ? error : storeError(error);
      if (
        appends.length + replies.length > 1 &&
        failure instanceof ChatError &&
        failure.code === 'STORE_UNAVAILABLE' &&
        !isOutage(failure.cause)
      ) {
        await Promise.all([
          ...appends.map(({ message, resolve, reject }) => this.#appendOne(message).then(resolve, reject)),
          ...replies.map(({ reply, resolve, reject }) => this.#threads.appendReply(reply).then(resolve, reject)),
        ]);
        return;
      }
      for (const pending of appends) pending.reject(failure);
      // A reply's room is its root's: a room gone is a root gone.
      const replyFailure =
        failure instanceof ChatError && failure.code === 'ROOM_NOT_FOUND'
          ? new ChatError('MESSAGE_NOT_FOUND')
          : failure;
      for (const pending of replies) pending.reject(replyFailure);
      return;
    }
    const byId = new Map(sent.map((row) => [row.id, row]));
    for (const { message, resolve } of appends) {
      const created = byId.get(message.id);
      if (created) {
        resolve(appendResult(toMessage(created), true));
        continue;
      }
      const stored = sent.find(
        (row) => row.author_id === message.authorId && row.client_message_id === message.clientMessageId,
      );
      resolve(appendResult(toMessage(stored!), false));
    }
    replies.forEach(({ resolve, reject }, index) => {
      const outcome = replied[index] as ReplyOutcome;
      if (outcome.ok) resolve(outcome.result);
      else reject(outcome.error);
    });
  }

  /**
   * A room's sends in `tx`, which holds its lock: one statement skips the repeats
   * (stored before, or earlier in the batch), numbers the rest after the room's
   * last seq, and inserts them and their events; the repeats' stored messages
   * are read under the same lock.
   */
  async #sendAll(tx: Transaction, roomId: RoomId, messages: readonly NewMessage[]): Promise<MessageRow[]> {
    const inserted = await tx.query<MessageRow>(APPEND_BATCH, [
      roomId,
      messages.map((message) => message.id),
      messages.map((message) => message.authorId),
      messages.map((message) => message.authorName),
      messages.map((message) => message.text),
      messages.map((message) => searchWords(message.text)),
      messages.map((message) => message.clientMessageId),
      messages.map((message) => message.at),
      messages.map((message) => (message.mentions ? JSON.stringify(message.mentions) : null)),
      messages.map((message) => JSON.stringify(mentionKeys(message.mentions))),
      messages.map((message) => JSON.stringify(message.attachments ?? [])),
    ]);
    if (inserted.length === messages.length) return inserted;
    const repeats = messages.filter((message) => !inserted.some((row) => row.id === message.id));
    const stored = await tx.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       JOIN unnest($2::text[], $3::text[]) AS r(author_id, client_message_id)
         ON m.author_id = r.author_id AND m.client_message_id = r.client_message_id
       WHERE m.room_id = $1`,
      [roomId, repeats.map((message) => message.authorId), repeats.map((message) => message.clientMessageId)],
    );
    return [...inserted, ...stored];
  }

  /** One reply of a batch: a refusal (a ChatError, thrown before it writes) is its outcome; a database error fails the batch. */
  async #replyIn(tx: Transaction, reply: NewReply): Promise<ReplyOutcome> {
    try {
      return { ok: true, result: await this.#threads.writeReply(tx, reply) };
    } catch (error) {
      if (error instanceof ChatError) return { ok: false, error };
      throw error;
    }
  }

  /** One append in a transaction of its own (`#appendBatch` falls back to it). */
  async #appendOne(message: NewMessage): Promise<AppendResult> {
    const created = await this.#database.transaction(async (tx) => {
      const seq = await this.#database.nextSeq(tx, message.roomId);
      if (seq === undefined) throw new ChatError('ROOM_NOT_FOUND');
      const [row] = await tx.query<MessageRow>(
        `WITH inserted AS (
           INSERT INTO messages AS m
             (id, room_id, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
              attachments)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12)
           ON CONFLICT (room_id, author_id, client_message_id) DO NOTHING
           RETURNING ${MESSAGE_COLUMNS}
         ), event AS (
           INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
         ), mentioned AS (
           INSERT INTO message_mentions (room_id, user_id, seq) SELECT room_id, unnest($11::text[]), seq FROM inserted
         )
         SELECT * FROM inserted`,
        [
          message.id,
          message.roomId,
          seq,
          message.authorId,
          message.authorName,
          message.text,
          searchWords(message.text),
          message.clientMessageId,
          message.at,
          message.mentions ? JSON.stringify(message.mentions) : null,
          mentionKeys(message.mentions),
          JSON.stringify(message.attachments ?? []),
        ],
      );
      return row ?? tx.rollback(undefined);
    });
    if (created) return appendResult(toMessage(created), true);
    // The client message id is taken: by an earlier send, or by a retry that another node committed first.
    const [row] = await this.#database.query<MessageRow>(this.#database.sql.messageByClientId, [
      message.roomId,
      message.authorId,
      message.clientMessageId,
    ]);
    return appendResult(toMessage(row!), false);
  }
}

/**
 * A room's appends of one turn, run under the room's lock (`#appendBatch`):
 * `$1` the room, `$2…$11` arrays of the messages' id, author id, author name,
 * text, search words, client message id, time, mentions (JSON or null), the
 * keys their unread mentions are counted by (a JSON list) and attachments
 * (JSON), in arrival order. A message
 * whose (author, client message id) is stored already, or came earlier in the
 * batch, is skipped (NULL client ids never repeat); the others get the next
 * sequence numbers in order, with their events, and are returned.
 */
const APPEND_BATCH = `
  WITH batch AS (
    SELECT * FROM unnest(
      $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[],
      $11::text[]
    ) WITH ORDINALITY AS b(
      id, author_id, author_name, text, search_words, client_message_id, created_at, mentions, mention_keys,
      attachments, ordinal
    )
  ), fresh AS (
    SELECT DISTINCT ON (b.author_id, coalesce(b.client_message_id, b.id)) b.*
    FROM batch b
    WHERE b.client_message_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM messages x
      WHERE x.room_id = $1 AND x.author_id = b.author_id AND x.client_message_id = b.client_message_id
    )
    ORDER BY b.author_id, coalesce(b.client_message_id, b.id), b.ordinal
  ), numbered AS (
    SELECT f.*, r.last_seq + row_number() OVER (ORDER BY f.ordinal) AS seq
    FROM fresh f CROSS JOIN rooms r WHERE r.id = $1
  ), bump AS (
    UPDATE rooms SET last_seq = last_seq + (SELECT count(*) FROM numbered) WHERE id = $1
  ), inserted AS (
    INSERT INTO messages AS m
      (id, room_id, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
       attachments)
    SELECT id, $1, seq, author_id, author_name, text, search_words, client_message_id, created_at, mentions,
      attachments
    FROM numbered
    RETURNING ${MESSAGE_COLUMNS}
  ), event AS (
    INSERT INTO events (room_id, seq, type, at, message_id) SELECT room_id, seq, 'message', created_at, id FROM inserted
  ), mentioned AS (
    INSERT INTO message_mentions (room_id, user_id, seq)
    SELECT $1, k.key, n.seq FROM numbered n CROSS JOIN LATERAL jsonb_array_elements_text(n.mention_keys::jsonb) AS k(key)
  )
  SELECT * FROM inserted ORDER BY seq`;
