/**
 * Rate limits on DynamoDB, the AWS deployment's adapter (every Lambda
 * container decides against the same items). TTL (`expiresAt`) removes items
 * once their state expires.
 *
 * - Token buckets take one conditional `UpdateItem` and no read: "add the cost's
 *   refills to `tat` if the bucket has room" (`tat` in the future but not past
 *   the capacity), else "start a fresh `tat`" (no item, or `tat` already past).
 *   Each is atomic on the item, so concurrent takes on a hot key never race,
 *   and a refusal reads the stored `tat` from the failed condition's answer.
 * - Backoff needs a power of two, which update expressions lack: a claim reads
 *   the item (strongly consistent), decides in code (store/rate-limit-state.ts)
 *   and writes under the condition that the item's revision is still the one
 *   read; a writer that lost that race reads again, a refusal writes nothing.
 */
import { DeleteCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Backoff, RateDecision, RateLimitStore, TokenBucket } from '../../ports/rate-limit-store.ts';
import { claimAttempt, type RateState, type RateStep } from '../rate-limit-state.ts';
import { epochSeconds } from './items.ts';
import { backoff, contended, type DynamoTable, isConditionalFailure } from './table.ts';
import { keys } from './table-design.ts';

/** The stored item: the state (times in ms) and a revision that every write bumps. */
interface RateLimitItem {
  tat: number;
  attempts: number;
  liveUntil: number;
  rev: number;
}

export class DynamoRateLimits implements RateLimitStore {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async take(key: string, bucket: TokenBucket, now: number, cost = 1): Promise<RateDecision> {
    const table = this.#table;
    const full = bucket.capacity * bucket.refillMs;
    const taken = cost * bucket.refillMs;
    // The item outlives the furthest `tat` this take can leave.
    const expiresAt = epochSeconds(now + full) + 1;
    return table.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const stored = await this.#update(key, {
          UpdateExpression: 'SET #tat = #tat + :refill, #liveUntil = #tat + :refill, #expiresAt = :expiresAt',
          ConditionExpression: '#tat > :now AND #tat <= :highest',
          ExpressionAttributeNames: { '#tat': 'tat', '#liveUntil': 'liveUntil', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':refill': taken,
            ':now': now,
            ':highest': now + full - taken,
            ':expiresAt': expiresAt,
          },
        });
        if (stored === 'updated') return { allowed: true, retryAfterMs: 0 };
        if (stored !== undefined && stored.tat > now) {
          return { allowed: false, retryAfterMs: stored.tat + taken - full - now };
        }
        // No item, or a full bucket: start from now (the port's `cost` is at most the capacity).
        const fresh = now + taken;
        const started = await this.#update(key, {
          UpdateExpression: 'SET #tat = :fresh, #attempts = :zero, #liveUntil = :fresh, #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#tat) OR #tat <= :now',
          ExpressionAttributeNames: {
            '#tat': 'tat',
            '#attempts': 'attempts',
            '#liveUntil': 'liveUntil',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: { ':fresh': fresh, ':zero': 0, ':now': now, ':expiresAt': expiresAt },
        });
        if (started === 'updated') return { allowed: true, retryAfterMs: 0 };
        // Another caller started the bucket in between: count in it.
        if (attempt >= table.settings.maxWriteAttempts) throw contended();
      }
    });
  }

  claimAttempt(key: string, rule: Backoff, now: number): Promise<RateDecision> {
    return this.#decide(key, (state) => claimAttempt(state, rule, now));
  }

  async forget(key: string): Promise<void> {
    const table = this.#table;
    await table.run(() => table.doc.send(new DeleteCommand({ TableName: table.name, Key: keys.rateLimit(key) })));
  }

  /** A conditional update of the key's item: `'updated'`, or its `tat` when the condition failed (`undefined`: no item). */
  async #update(
    key: string,
    update: Pick<
      UpdateCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<'updated' | { tat: number } | undefined> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.rateLimit(key),
          ...update,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'updated';
    } catch (error) {
      if (!isConditionalFailure(error)) throw error;
      // The exception carries the item in DynamoDB's wire format (the document client does not convert it).
      const tat = (error as { Item?: { tat?: { N?: string } } }).Item?.tat?.N;
      return tat === undefined ? undefined : { tat: Number(tat) };
    }
  }

  async #decide(key: string, step: (state: RateState | undefined) => RateStep): Promise<RateDecision> {
    const table = this.#table;
    return table.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const item = await table.get<RateLimitItem>(keys.rateLimit(key));
        const state = item && { tat: item.tat, attempts: item.attempts, expiresAt: item.liveUntil };
        const { decision, next } = step(state);
        if (!next) return decision;
        try {
          await table.doc.send(
            new PutCommand({
              TableName: table.name,
              Item: {
                ...keys.rateLimit(key),
                tat: next.tat,
                attempts: next.attempts,
                liveUntil: next.expiresAt,
                rev: (item?.rev ?? 0) + 1,
                expiresAt: epochSeconds(next.expiresAt),
              },
              ...(item
                ? {
                    ConditionExpression: '#rev = :rev',
                    ExpressionAttributeNames: { '#rev': 'rev' },
                    ExpressionAttributeValues: { ':rev': item.rev },
                  }
                : { ConditionExpression: 'attribute_not_exists(pk)' }),
            }),
          );
          return decision;
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
        if (attempt >= table.settings.maxWriteAttempts) throw contended();
        await backoff(attempt);
      }
    });
  }
}
