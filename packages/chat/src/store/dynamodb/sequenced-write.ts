/**
 * Room sequence numbers on DynamoDB: every event-producing write is one
 * `TransactWriteItems` that moves the room item's `lastSeq` from the value just
 * read (strongly consistent) to the next one, under the condition
 * `lastSeq = :read`, and writes the event and the row change with it. A writer
 * that lost the race (ConditionalCheckFailed or TransactionConflict) reads again
 * and retries with jittered backoff.
 *
 * The cheaper alternative, `UpdateItem ADD lastSeq :1` with `ReturnValues:
 * UPDATED_NEW` followed by a conditional put, reserves a number in one write and
 * fills it in another: a Lambda that times out or is throttled between the two
 * burns the number for good, and catch-up promises consecutive numbers (a client
 * that sees `lastSeq` 8 waits for event 8). The transaction never leaves a gap or
 * a duplicate; the price is that one room takes about one event per transaction
 * round trip under contention, ample for a chat room.
 */
import { ChatError } from '../../domain/errors.ts';
import type { RoomId, RoomVisibility } from '../../domain/types.ts';
import type { RoomItem } from './items.ts';
import { backoff, cancelled, contended, type DynamoTable, type Transaction } from './table.ts';
import { GSI1_ROOMS, keys } from './table-design.ts';

/** Largest sequence number a key can hold. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * What a write changes of the room item besides its sequence: a transaction may
 * not touch the room item twice, so every change of it rides on the bump.
 */
export interface RoomItemChange {
  /** Change of the room item's `memberCount`. */
  memberDelta?: 1 | -1;
  /** How many consecutive sequence numbers the write takes, from the one offered (a thread reply takes 2). @default 1 */
  seqCount?: number;
  /** The event's time: the room's `headAt`, which the heartbeat compares (`listRoomHeads`). */
  at: number;
  /** The room item's new `topic` (`null` removes it). */
  topic?: string | null;
  /**
   * The room's new visibility: a private room leaves the directory's index
   * (`ROOMS` in gsi1), a public one (named `name`) enters it.
   */
  visibility?: { visibility: RoomVisibility; name: string };
  /** The room item's new `readOnly`. */
  readOnly?: boolean;
  /** The room's new name: also its key in the directory's index (`ROOMS` in gsi1) when `listed` (a public room). */
  rename?: { name: string; listed: boolean };
}

/** What a plan decides for the number it was offered. */
export type SequencedPlan<T> = { result: T } | (RoomItemChange & { items: Transaction; result: T }) | 'retry';

/** The room item's update: the sequence bump, and the plan's other changes of the room. */
function roomUpdate(
  lastSeq: number,
  { at, memberDelta, topic, seqCount = 1, visibility, readOnly, rename }: RoomItemChange,
): {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  const set = ['#lastSeq = :next', '#headAt = :at'];
  const names: Record<string, string> = { '#lastSeq': 'lastSeq', '#headAt': 'headAt' };
  const values: Record<string, unknown> = { ':next': lastSeq + seqCount, ':read': lastSeq, ':at': at };
  if (memberDelta !== undefined) {
    set.push('#memberCount = #memberCount + :delta');
    names['#memberCount'] = 'memberCount';
    values[':delta'] = memberDelta;
  }
  const remove: string[] = [];
  if (topic !== undefined) {
    names['#topic'] = 'topic';
    if (topic === null) remove.push('#topic');
    else {
      set.push('#topic = :topic');
      values[':topic'] = topic;
    }
  }
  if (visibility !== undefined) {
    Object.assign(names, { '#visibility': 'visibility', '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' });
    if (visibility.visibility === 'private') {
      set.push('#visibility = :visibility');
      values[':visibility'] = 'private';
      remove.push('#gsi1pk', '#gsi1sk');
    } else {
      set.push('#gsi1pk = :directory', '#gsi1sk = :name');
      Object.assign(values, { ':directory': GSI1_ROOMS, ':name': visibility.name });
      remove.push('#visibility');
    }
  }
  if (readOnly !== undefined) {
    names['#readOnly'] = 'readOnly';
    if (readOnly) {
      set.push('#readOnly = :readOnly');
      values[':readOnly'] = true;
    } else remove.push('#readOnly');
  }
  if (rename !== undefined) {
    set.push('#name = :name');
    names['#name'] = 'name';
    values[':name'] = rename.name;
    if (rename.listed) {
      set.push('#gsi1sk = :name');
      names['#gsi1sk'] = 'gsi1sk';
    }
  }
  return {
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The optimistic sequence write. `plan` gets the number the write would take
 * and reads what it needs (strongly consistent); it answers without writing
 * (`result` only), asks to read again (`'retry'`), or returns the items to
 * commit with the room's `lastSeq` bump (and `headAt`, the event's time). Any lost condition reruns `plan`, which
 * then sees the winner's write. Rejects with ROOM_NOT_FOUND, or STORE_UNAVAILABLE
 * after `maxWriteAttempts` lost races.
 */
export async function sequencedWrite<T>(
  table: DynamoTable,
  roomId: RoomId,
  plan: (seq: number) => Promise<SequencedPlan<T>>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const room = await table.get<RoomItem>(keys.room(roomId));
    if (!room) throw new ChatError('ROOM_NOT_FOUND');
    const step = await plan(room.lastSeq + 1);
    if (step !== 'retry') {
      if (!('items' in step)) return step.result;
      const reasons = await table.transact([
        {
          Update: {
            TableName: table.name,
            Key: keys.room(roomId),
            ...roomUpdate(room.lastSeq, step),
            ConditionExpression: '#lastSeq = :read',
          },
        },
        ...step.items,
      ]);
      if (!reasons) return step.result;
      if (
        !reasons.every((code) => code === 'None' || code === 'ConditionalCheckFailed' || code === 'TransactionConflict')
      ) {
        throw cancelled(reasons);
      }
    }
    if (attempt >= table.settings.maxWriteAttempts) throw contended();
    await backoff(attempt);
  }
}
