/**
 * Rate-limit counters on DynamoDB: one item per key with a fixed window,
 * counted with conditional writes (no read-modify-write), and a TTL so expired
 * windows disappear by themselves.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CounterState } from '../../ports/chat-store.ts';
import { type CounterItem, epochSeconds } from './items.ts';
import { contended, type DynamoTable, isConditionalFailure } from './table.ts';
import { keys } from './table-design.ts';

export class DynamoCounters {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    const table = this.#table;
    return table.run(async () => {
      // Either count in the open window, or open a new one; a concurrent opener makes us count in its window.
      for (let attempt = 1; ; attempt++) {
        try {
          const { Attributes } = await table.doc.send(
            new UpdateCommand({
              TableName: table.name,
              Key: keys.counter(key),
              UpdateExpression: 'SET #hits = #hits + :one',
              ConditionExpression: '#resetAt > :now',
              ExpressionAttributeNames: { '#hits': 'hits', '#resetAt': 'resetAt' },
              ExpressionAttributeValues: { ':one': 1, ':now': now },
              ReturnValues: 'ALL_NEW',
            }),
          );
          const item = Attributes as CounterItem;
          return { count: item.hits, resetAt: item.resetAt };
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
        const resetAt = now + windowMs;
        try {
          await table.doc.send(
            new PutCommand({
              TableName: table.name,
              Item: { ...keys.counter(key), hits: 1, resetAt, expiresAt: epochSeconds(resetAt) },
              ConditionExpression: 'attribute_not_exists(pk) OR #resetAt <= :now',
              ExpressionAttributeNames: { '#resetAt': 'resetAt' },
              ExpressionAttributeValues: { ':now': now },
            }),
          );
          return { count: 1, resetAt };
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
        if (attempt >= table.settings.maxWriteAttempts) throw contended();
      }
    });
  }

  async peekCounter(key: string, now: number): Promise<CounterState> {
    return this.#table.run(async () => {
      const item = await this.#table.get<CounterItem>(keys.counter(key));
      return item && item.resetAt > now ? { count: item.hits, resetAt: item.resetAt } : { count: 0, resetAt: now };
    });
  }

  async resetCounter(key: string): Promise<void> {
    await this.#table.run(() =>
      this.#table.doc.send(new DeleteCommand({ TableName: this.#table.name, Key: keys.counter(key) })),
    );
  }
}
