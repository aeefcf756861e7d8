/**
 * Messages and room events on DynamoDB. A message lives in its room's partition
 * at `MSG#<seq>`, its event at `EVENT#<seq>`, and a `MESSAGE#<id>` pointer finds
 * it by id. Idempotent sends: a guard item per (room, author, client message id)
 * is put in the same transaction with `attribute_not_exists(pk)`; a repeat
 * finds the guard and returns the first message without writing. Every change
 * appends an event, so it goes through `sequencedWrite`; appends go in groups
 * per room (message-appends.ts).
 */
import { ChatError } from '../../domain/errors.ts';
import { ChatLimits } from '../../domain/limits.ts';
import { applyReaction, type ReactionChange } from '../../domain/reactions.ts';
import type { Message, MessageEvent, MessageId, RoomEvent, RoomId, UserId, UserRef } from '../../domain/types.ts';
import type { AppendResult, MessageChangeResult, MessagePage, NewMessage } from '../../ports/chat-store.ts';
import { byKey, type EventItem, IN_TIMELINE, type Key, keyOf, type MessageItem, toEvent, toMessage } from './items.ts';
import { type MessageAppends, sentBefore } from './message-appends.ts';
import { MAX_SEQ, type SequencedPlan, sequencedWrite } from './sequenced-write.ts';
import type { DynamoTable, Transaction } from './table.ts';
import { keys } from './table-design.ts';

export class DynamoMessages {
  readonly #table: DynamoTable;
  readonly #appends: MessageAppends;

  /** `appends`: the room write queue, shared with the threads (message-appends.ts). */
  constructor(table: DynamoTable, appends: MessageAppends) {
    this.#table = table;
    this.#appends = appends;
  }

  /** Grouped per room (message-appends.ts). */
  appendMessage(message: NewMessage): Promise<AppendResult> {
    return this.#appends.append(message);
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', text, 'editedAt');
  }

  async deleteMessage(
    messageId: MessageId,
    at: number,
    options: { byModerator?: boolean } = {},
  ): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', '', 'deletedAt', options.byModerator === true);
  }

  /**
   * The reactions are read and rewritten whole: the room's sequence condition
   * (`sequencedWrite`) fails the write if any other change to the room, this
   * message's reactions included, committed in between, and the plan runs again.
   */
  async reactToMessage(
    messageId: MessageId,
    change: ReactionChange,
    at: number,
  ): Promise<MessageChangeResult | undefined> {
    const table = this.#table;
    return this.#changeLiveMessage<MessageChangeResult>(messageId, (current, { roomId, seq: messageSeq }, seq) => {
      const reactions = applyReaction(current.reactions, change);
      if (!reactions) return { result: { message: current, event: null } };
      const message = { ...current, reactions };
      return {
        at,
        items: [
          liveMessageUpdate(table, keys.message(roomId, messageSeq), {
            reactions: reactions.length === 0 ? null : reactions,
          }),
          table.put({ ...keys.event(roomId, seq), type: 'messageReacted', at, messageSeq }),
        ],
        result: { message, event: { type: 'messageReacted', roomId, seq, at, message } },
      };
    });
  }

  /** The pin count is read in the plan: the room's sequence condition makes it hold at commit. */
  async pinMessage(messageId: MessageId, by: UserRef | null, at: number): Promise<MessageChangeResult | undefined> {
    const table = this.#table;
    return this.#changeLiveMessage<MessageChangeResult>(
      messageId,
      async (current, { roomId, seq: messageSeq }, seq) => {
        if ((by !== null) === (current.pinnedAt !== null)) return { result: { message: current, event: null } };
        if (by !== null) {
          const pins = await table.query<Key>(pinRange(roomId), ChatLimits.pinsMaxPerRoom);
          if (pins.length >= ChatLimits.pinsMaxPerRoom) throw new ChatError('TOO_MANY_PINS');
        }
        const type = by === null ? 'messageUnpinned' : 'messagePinned';
        const message: Message = { ...current, pinnedAt: by === null ? null : at, pinnedBy: by };
        return {
          at,
          items: [
            liveMessageUpdate(table, keys.message(roomId, messageSeq), {
              pinnedAt: message.pinnedAt,
              pinnedBy: message.pinnedBy,
            }),
            by === null ? table.delete(keys.pin(roomId, messageSeq)) : table.put({ ...keys.pin(roomId, messageSeq) }),
            table.put({ ...keys.event(roomId, seq), type, at, messageSeq }),
          ],
          result: { message, event: { type, roomId, seq, at, message } },
        };
      },
    );
  }

  async listPinnedMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const table = this.#table;
    return table.run(async () => {
      const { highest, limit } = pageBounds(options);
      if (highest < 1) return { messages: [], hasMore: false };
      const pins = await table.query<Key>({ ...pinRange(roomId, highest), ScanIndexForward: false }, limit + 1);
      const seqs = pins.slice(0, limit).map((pin) => Number(pin.sk.slice('PIN#'.length)));
      const messages = byKey(await table.batchGet<MessageItem>(seqs.map((seq) => keys.message(roomId, seq))));
      return {
        messages: seqs.reverse().flatMap((seq) => toMessage(messages.get(keyOf(keys.message(roomId, seq)))) ?? []),
        hasMore: pins.length > limit,
      };
    });
  }

  async getMessage(id: MessageId): Promise<Message | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const pointer = await table.get<{ roomId: RoomId; seq: number }>(keys.messageId(id));
      return pointer && toMessage(await table.get<MessageItem>(keys.message(pointer.roomId, pointer.seq)));
    });
  }

  async getMessageByClientId(roomId: RoomId, authorId: UserId, clientMessageId: string): Promise<Message | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const sent = await sentBefore(table, keys.clientMessage(roomId, authorId, clientMessageId), roomId);
      // 'retry': the guard of a send still being written, without its message yet.
      return sent === 'retry' ? undefined : sent;
    });
  }

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const table = this.#table;
    return table.run(async () => {
      const { highest, limit } = pageBounds(options);
      if (highest < 1) return { messages: [], hasMore: false };
      const items = await table.query<MessageItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          // Thread-only replies share the range; the query reads on until `limit + 1` of the timeline's remain.
          FilterExpression: IN_TIMELINE.filter,
          ExpressionAttributeNames: { ...IN_TIMELINE.names },
          ExpressionAttributeValues: {
            ':pk': keys.room(roomId).pk,
            ':low': keys.message(roomId, 1).sk,
            ':high': keys.message(roomId, highest).sk,
            ...IN_TIMELINE.values,
          },
          ScanIndexForward: false,
        },
        limit + 1,
      );
      return {
        messages: items
          .slice(0, limit)
          .reverse()
          .map((item) => toMessage(item)!),
        hasMore: items.length > limit,
      };
    });
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    const table = this.#table;
    return table.run(async () => {
      const lowest = Math.max(0, Math.floor(afterSeq)) + 1;
      if (limit < 1 || lowest > MAX_SEQ) return [];
      const events = await table.query<EventItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.room(roomId).pk,
            ':low': keys.event(roomId, lowest).sk,
            ':high': keys.event(roomId, MAX_SEQ).sk,
          },
        },
        Math.floor(limit),
      );
      // Message events carry the message's current state: read the messages they refer to.
      const seqs = new Set(events.flatMap((event) => (event.messageSeq === undefined ? [] : [event.messageSeq])));
      const messages = byKey(await table.batchGet<MessageItem>([...seqs].map((seq) => keys.message(roomId, seq))));
      return events.map((event) => toEvent(roomId, event, messages));
    });
  }

  async #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    text: string,
    stamp: 'editedAt' | 'deletedAt',
    byModerator = false,
  ): Promise<MessageEvent | undefined> {
    const table = this.#table;
    const deleting = type === 'messageDeleted';
    const moderated = deleting && byModerator;
    return this.#changeLiveMessage<MessageEvent>(messageId, (current, { roomId, seq: messageSeq }, seq) => ({
      at,
      items: [
        liveMessageUpdate(table, keys.message(roomId, messageSeq), {
          text,
          [stamp]: at,
          // A deleted message keeps no reactions, no pin, no mentions and no attachments.
          ...(deleting && {
            reactions: null,
            pinnedAt: null,
            pinnedBy: null,
            mentions: null,
            mentionIds: null,
            attachments: null,
          }),
          ...(moderated && { removedByModerator: true }),
        }),
        table.put({ ...keys.event(roomId, seq), type, at, messageSeq }),
        ...(deleting && current.pinnedAt !== null ? [table.delete(keys.pin(roomId, messageSeq))] : []),
      ],
      result: {
        type,
        roomId,
        seq,
        at,
        message: deleting
          ? {
              ...withoutMentions(current),
              text,
              deletedAt: at,
              reactions: [],
              pinnedAt: null,
              pinnedBy: null,
              attachments: [],
              removedByModerator: moderated,
            }
          : { ...current, text, editedAt: at },
      },
    }));
  }

  /**
   * A sequenced write on a live message's room: `plan` gets the message as read
   * in this attempt, its location and the event's number; `undefined` when the
   * message is missing or deleted.
   */
  async #changeLiveMessage<T>(
    messageId: MessageId,
    plan: (
      current: Message,
      location: { roomId: RoomId; seq: number },
      seq: number,
    ) => SequencedPlan<T> | Promise<SequencedPlan<T>>,
  ): Promise<T | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const location = await table.get<{ roomId: RoomId; seq: number }>(keys.messageId(messageId));
      if (!location) return undefined;
      return sequencedWrite<T | undefined>(table, location.roomId, async (seq) => {
        const current = toMessage(await table.get<MessageItem>(keys.message(location.roomId, location.seq)));
        if (!current || current.deletedAt !== null) return { result: undefined };
        return plan(current, location, seq);
      });
    });
  }
}

/** The room's pin items with `seq` up to `highest` (all by default). */
function pinRange(roomId: RoomId, highest: number = MAX_SEQ) {
  return {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
    ExpressionAttributeValues: {
      ':pk': keys.room(roomId).pk,
      ':low': keys.pin(roomId, 1).sk,
      ':high': keys.pin(roomId, highest).sk,
    },
  };
}

/** The highest `seq` a page before `beforeSeq` may hold (below 1: none), and its size as a whole number. */
export function pageBounds(options: { beforeSeq?: number; limit: number }): { highest: number; limit: number } {
  return {
    highest: Math.min((options.beforeSeq ?? MAX_SEQ + 1) - 1, MAX_SEQ),
    limit: Math.max(0, Math.floor(options.limit)),
  };
}

/**
 * The update of a message item that must still be live (not deleted): each
 * attribute is set, or removed when `null` (absent attributes stand for `null`).
 */
function withoutMentions({ mentions: _mentions, ...message }: Message): Message {
  return message;
}

export function liveMessageUpdate(
  table: DynamoTable,
  key: Key,
  attributes: Record<string, unknown>,
): Transaction[number] {
  const names: Record<string, string> = { '#deletedAt': 'deletedAt' };
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  const remove: string[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    names[`#${name}`] = name;
    if (value === null) remove.push(`#${name}`);
    else {
      set.push(`#${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  return {
    Update: {
      TableName: table.name,
      Key: key,
      UpdateExpression: [set.length > 0 && `SET ${set.join(', ')}`, remove.length > 0 && `REMOVE ${remove.join(', ')}`]
        .filter(Boolean)
        .join(' '),
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#deletedAt)',
      ExpressionAttributeNames: names,
      ...(set.length > 0 && { ExpressionAttributeValues: values }),
    },
  };
}
