/**
 * Threads on DynamoDB. A reply is a message of its room like any other (at
 * `MSG#<seq>`, with its `message` event, pointer and idempotency guard), plus a
 * `THREAD#<rootSeq>#<seq>` index item in the room's partition, so a thread's
 * replies are one range query. The root's `thread` summary is updated and its
 * `threadUpdated` event written in the same transaction: the reply takes two
 * consecutive sequence numbers (`sequencedWrite` with `seqCount: 2`).
 *
 * A follower's read position is a `THREADREAD#<roomId>#<rootSeq>` item in the
 * user's partition, moved forward by a conditional update (a position that
 * would not move writes nothing).
 */
import { ChatError } from '../../domain/errors.ts';
import { requireThreadRoot, withReply } from '../../domain/threads.ts';
import type { Message, MessageId, RoomId, ThreadRead, UserId } from '../../domain/types.ts';
import type { MessagePage, NewReply, ReplyResult, ThreadRoot } from '../../ports/chat-store.ts';
import { newMessage } from '../new-message.ts';
import { writtenReply } from '../reply-result.ts';
import { byKey, type Key, keyOf, type MessageItem, toMessage } from './items.ts';
import { type MessageAppends, newMessageItems, sentBefore } from './message-appends.ts';
import { liveMessageUpdate, pageBounds } from './messages.ts';
import { sequencedWrite } from './sequenced-write.ts';
import type { DynamoTable, Transaction } from './table.ts';
import { keys } from './table-design.ts';

interface ThreadReadItem {
  rootId: MessageId;
  rootSeq: number;
  lastReadSeq: number;
}

export class DynamoThreads {
  readonly #table: DynamoTable;
  readonly #appends: MessageAppends;

  /** `appends`: the room write queue shared with the messages (message-appends.ts), where replies take their turn. */
  constructor(table: DynamoTable, appends: MessageAppends) {
    this.#table = table;
    this.#appends = appends;
  }

  appendReply(reply: NewReply): Promise<ReplyResult> {
    return this.#appends.inTurn(reply.roomId, () => this.#appendReply(reply));
  }

  async #appendReply(reply: NewReply): Promise<ReplyResult> {
    const table = this.#table;
    const { roomId, authorId, clientMessageId } = reply;
    return table.run(() =>
      sequencedWrite<ReplyResult>(table, roomId, async (seq) => {
        // Read in every attempt: the room's sequence condition makes what is read here hold at commit.
        const root = requireThreadRoot(await this.#message(reply.rootId, roomId), roomId);
        const guardKey = clientMessageId === null ? null : keys.clientMessage(roomId, authorId, clientMessageId);
        const sent = await sentBefore(table, guardKey, roomId);
        if (sent === 'retry') return sent;
        if (sent) return { result: { message: sent, root, events: [], created: false } };
        if (root.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
        const threadSeq = seq + 1;
        const message = newMessage(reply, seq);
        const updated: Message = { ...root, thread: withReply(root.thread, reply.at, seq) };
        const items: Transaction = [
          ...newMessageItems(table, message, reply.authorGuest === true, guardKey),
          table.put({ ...keys.threadReply(roomId, root.seq, seq) }),
          liveMessageUpdate(table, keys.message(roomId, root.seq), { thread: updated.thread }),
          table.put({ ...keys.event(roomId, threadSeq), type: 'threadUpdated', at: reply.at, messageSeq: root.seq }),
        ];
        return {
          at: reply.at,
          seqCount: 2,
          items,
          result: writtenReply(message, updated, threadSeq),
        };
      }),
    );
  }

  async listReplies(root: ThreadRoot, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const table = this.#table;
    return table.run(async () => {
      const { highest, limit } = pageBounds(options);
      if (highest < 1) return { messages: [], hasMore: false };
      const entries = await table.query<Key>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.room(root.roomId).pk,
            ':low': keys.threadReply(root.roomId, root.seq, 1).sk,
            ':high': keys.threadReply(root.roomId, root.seq, highest).sk,
          },
          ScanIndexForward: false,
        },
        limit + 1,
      );
      const seqs = entries.slice(0, limit).map((entry) => Number(entry.sk.slice(entry.sk.lastIndexOf('#') + 1)));
      const messages = byKey(await table.batchGet<MessageItem>(seqs.map((seq) => keys.message(root.roomId, seq))));
      return {
        messages: seqs.reverse().flatMap((seq) => toMessage(messages.get(keyOf(keys.message(root.roomId, seq)))) ?? []),
        hasMore: entries.length > limit,
      };
    });
  }

  async markThreadRead(userId: UserId, root: ThreadRoot, seq: number): Promise<number> {
    const table = this.#table;
    return table.run(async () => {
      const key = keys.threadRead(userId, root.roomId, root.seq);
      await table.updateIfHeld({
        Key: key,
        UpdateExpression: 'SET #lastReadSeq = :seq, #rootId = :rootId, #rootSeq = :rootSeq',
        ConditionExpression: 'attribute_not_exists(#lastReadSeq) OR #lastReadSeq < :seq',
        ExpressionAttributeNames: { '#lastReadSeq': 'lastReadSeq', '#rootId': 'rootId', '#rootSeq': 'rootSeq' },
        ExpressionAttributeValues: { ':seq': seq, ':rootId': root.id, ':rootSeq': root.seq },
      });
      return (await table.get<ThreadReadItem>(key))!.lastReadSeq;
    });
  }

  async getThreadRead(userId: UserId, root: ThreadRoot): Promise<number | undefined> {
    const table = this.#table;
    return table.run(
      async () => (await table.get<ThreadReadItem>(keys.threadRead(userId, root.roomId, root.seq)))?.lastReadSeq,
    );
  }

  async listThreadReads(
    userId: UserId,
    roomId: RoomId,
    options: { beforeSeq?: number; limit: number },
  ): Promise<ThreadRead[]> {
    const table = this.#table;
    return table.run(async () => {
      const { highest, limit } = pageBounds(options);
      if (highest < 1 || limit < 1) return [];
      const reads = await table.query<ThreadReadItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.user(userId).pk,
            ':low': keys.threadRead(userId, roomId, 1).sk,
            ':high': keys.threadRead(userId, roomId, highest).sk,
          },
          ScanIndexForward: false,
        },
        limit,
      );
      const roots = byKey(await table.batchGet<MessageItem>(reads.map((read) => keys.message(roomId, read.rootSeq))));
      return reads.flatMap((read) => {
        const root = toMessage(roots.get(keyOf(keys.message(roomId, read.rootSeq))));
        return root ? [{ root, lastReadSeq: read.lastReadSeq }] : [];
      });
    });
  }

  /** The message `id` if it is in `roomId` (a pointer, then the message: both gets). */
  async #message(id: MessageId, roomId: RoomId): Promise<Message | undefined> {
    const pointer = await this.#table.get<{ roomId: RoomId; seq: number }>(keys.messageId(id));
    if (!pointer || pointer.roomId !== roomId) return undefined;
    return toMessage(await this.#table.get<MessageItem>(keys.message(roomId, pointer.seq)));
  }
}
