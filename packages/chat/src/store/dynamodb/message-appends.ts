/**
 * Message appends on DynamoDB, grouped per room: the appends of a room that
 * arrive in one event-loop turn, or while the room's previous write is under
 * way, go into one `sequencedWrite` that takes consecutive numbers for all of
 * them, so a busy room costs one room read, one guard read and one transaction
 * per group instead of per message, and its senders on one process no longer
 * race each other for the room's `lastSeq` (sequenced-write.ts: the loser of a
 * race reads again and retries with backoff).
 *
 *   append ─▶ room queue ─▶ (end of turn, or the write before it ends)
 *          ─▶ up to MAX_APPENDS_PER_WRITE: guards read together ─▶ one transaction
 *          ─▶ each append answered: its message, or the one its client message id stored first
 *
 * A thread reply waits in the same queue and is written alone, in its turn (it
 * also updates its root, an item one transaction may touch only once), so a
 * room's replies and sends on one process do not race each other either.
 *
 * On Lambda every invocation appends one message, and a group is that message.
 */
import type { Message, RoomId } from '../../domain/types.ts';
import type { AppendResult, NewMessage } from '../../ports/chat-store.ts';
import { appendResult, newMessage } from '../new-message.ts';
import { byKey, type Key, keyOf, type MessageItem, messageItem, toMessage } from './items.ts';
import { type SequencedPlan, sequencedWrite } from './sequenced-write.ts';
import type { DynamoTable, Transaction } from './table.ts';
import { keys } from './table-design.ts';

/**
 * Appends per transaction: each takes up to five items (the message, its event,
 * its id pointer, its client message id guard, a guest's index entry) beside the
 * room's update, and `TransactWriteItems` takes at most 100.
 */
export const MAX_APPENDS_PER_WRITE = 19;

interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A room write of its own (a thread reply), run in its turn. */
interface PendingWrite {
  write: () => Promise<void>;
}

type Pending = PendingAppend | PendingWrite;

export class MessageAppends {
  readonly #table: DynamoTable;
  /** Writes waiting, per room with a write scheduled or under way. */
  readonly #queues = new Map<RoomId, Pending[]>();

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  append(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.#enqueue(message.roomId, { message, resolve, reject }));
  }

  /** Runs `write`, a sequenced write of `roomId` other than an append, in its turn among the room's writes. */
  inTurn<T>(roomId: RoomId, write: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => this.#enqueue(roomId, { write: () => write().then(resolve, reject) }));
  }

  #enqueue(roomId: RoomId, pending: Pending): void {
    const queue = this.#queues.get(roomId);
    if (queue) {
      queue.push(pending);
      return;
    }
    this.#queues.set(roomId, [pending]);
    // At the end of the turn, so the turn's other appends to the room join the group.
    setImmediate(() => void this.#drain(roomId));
  }

  /** Writes the room's queue in order, a group of appends or one other write at a time, until it is empty. */
  async #drain(roomId: RoomId): Promise<void> {
    const queue = this.#queues.get(roomId) as Pending[];
    while (queue.length > 0) {
      const head = queue[0] as Pending;
      if ('write' in head) {
        queue.shift();
        await head.write();
        continue;
      }
      const group = takeAppends(queue);
      try {
        const results = await this.#write(
          roomId,
          group.map(({ message }) => message),
        );
        for (const [index, append] of group.entries()) append.resolve(results[index] as AppendResult);
      } catch (error) {
        for (const append of group) append.reject(error);
      }
    }
    this.#queues.delete(roomId);
  }

  /** One transaction for `messages` (all of `roomId`), in order; a repeated client message id answers the first. */
  #write(roomId: RoomId, messages: readonly NewMessage[]): Promise<AppendResult[]> {
    const table = this.#table;
    return table.run(() =>
      sequencedWrite<AppendResult[]>(table, roomId, async (seq): Promise<SequencedPlan<AppendResult[]>> => {
        const guardKeys = messages.map(({ authorId, clientMessageId }) =>
          clientMessageId === null ? null : keys.clientMessage(roomId, authorId, clientMessageId),
        );
        const sent = await sentBeforeAll(table, roomId, guardKeys);
        if (sent === 'retry') return sent;
        const results: AppendResult[] = [];
        const items: Transaction = [];
        let next = seq;
        let at = 0;
        messages.forEach((message, index) => {
          const guardKey = guardKeys[index] ?? null;
          const earlier = guardKey && sent.get(keyOf(guardKey));
          if (earlier) {
            results.push(appendResult(earlier, false));
            return;
          }
          const stored = newMessage(message, next++);
          at = Math.max(at, message.at);
          items.push(...newMessageItems(table, stored, message.authorGuest === true, guardKey));
          // A repeat later in this group answers with this message.
          if (guardKey) sent.set(keyOf(guardKey), stored);
          results.push(appendResult(stored, true));
        });
        if (items.length === 0) return { result: results };
        return { at, seqCount: next - seq, items, result: results };
      }),
    );
  }
}

/**
 * What storing a new message (an append or a thread reply) writes beside the
 * room's update: the message, its `message` event, its id pointer, its client
 * message id guard when `guardKey` is given and, for a guest's message, the
 * entry that finds it again when the guest expires and is renamed.
 */
export function newMessageItems(
  table: DynamoTable,
  message: Message,
  authorGuest: boolean,
  guardKey: Key | null,
): Transaction {
  const { id, roomId, seq } = message;
  const items: Transaction = [
    table.put({ ...keys.message(roomId, seq), ...messageItem(message) }, 'attribute_not_exists(pk)'),
    table.put({ ...keys.event(roomId, seq), type: 'message', at: message.createdAt, messageSeq: seq }),
    table.put({ ...keys.messageId(id), roomId, seq }, 'attribute_not_exists(pk)'),
  ];
  if (guardKey) items.push(table.put({ ...guardKey, seq, messageId: id }, 'attribute_not_exists(pk)'));
  if (authorGuest) items.push(table.put({ ...keys.authored(message.authorId, roomId, seq), roomId, seq }));
  return items;
}

/** The appends at the head of `queue`, up to `MAX_APPENDS_PER_WRITE`, taken out of it. */
function takeAppends(queue: Pending[]): PendingAppend[] {
  let count = 0;
  while (count < queue.length && count < MAX_APPENDS_PER_WRITE && 'message' in (queue[count] as Pending)) count++;
  return queue.splice(0, count) as PendingAppend[];
}

/**
 * The message an earlier append with the client message id `guardKey` stored
 * (`undefined`: none, or no id); `'retry'` while the guard is visible but its
 * message not yet (they commit together).
 */
export async function sentBefore(
  table: DynamoTable,
  guardKey: Key | null,
  roomId: RoomId,
): Promise<Message | 'retry' | undefined> {
  if (!guardKey) return undefined;
  const sent = await sentBeforeAll(table, roomId, [guardKey]);
  return sent === 'retry' ? sent : sent.get(keyOf(guardKey));
}

/**
 * The messages already stored under these guards (strongly consistent reads), by
 * guard key; `'retry'` when a guard's message is not readable yet.
 */
async function sentBeforeAll(
  table: DynamoTable,
  roomId: RoomId,
  guardKeys: readonly (Key | null)[],
): Promise<Map<string, Message> | 'retry'> {
  const wanted = [...byKey(guardKeys.filter((key): key is Key => key !== null)).values()];
  const found = new Map<string, Message>();
  if (wanted.length === 0) return found;
  const guards = await table.batchGet<{ seq: number }>(wanted);
  if (guards.length === 0) return found;
  const messages = byKey(await table.batchGet<MessageItem>(guards.map(({ seq }) => keys.message(roomId, seq))));
  for (const guard of guards) {
    const message = toMessage(messages.get(keyOf(keys.message(roomId, guard.seq))));
    if (!message) return 'retry';
    found.set(keyOf(guard), message);
  }
  return found;
}
