/**
 * Presence on DynamoDB: the ids of a user's open connections as one string set
 * (`USER#<id>` / `PRESENCE`, attribute `connections`). DynamoDB applies the
 * updates of one item one after another, and ADD or DELETE of a set member is
 * idempotent per member, so the set's previous value (`UPDATED_OLD`) tells one
 * caller alone that it took the user from no connection to one (came online) or
 * from one to none (went offline), however many calls of one user race.
 * Counting the user's connection items after a write instead lets racing calls
 * see the same count: two "offline", or no "online" at all.
 *
 * An id joins the set after its connection's items are put and leaves it
 * before they are deleted (connections.ts), so an id in the set without its
 * user -> connection item is stale: a connection whose `$disconnect` never ran
 * (TTL deleted its items).
 * A stale id would keep its user online for ever, so a call that finds other
 * ids in the set checks them against the user's connection items (one strongly
 * consistent query, what counting cost before) and deletes the stale ones.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionId, UserId } from '../../domain/types.ts';
import type { DynamoTable } from './table.ts';
import { keys } from './table-design.ts';
import { userConnectionItems } from './user-partition.ts';

export class DynamoPresence {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  /**
   * Adds a connection whose items are written; resolves to the number of the
   * user's connections, 1 for the one call that found none.
   */
  async joined(userId: UserId, connectionId: ConnectionId): Promise<number> {
    const others = without(await this.#update(userId, 'ADD', [connectionId]), connectionId);
    if (others.size === 0) return 1;
    const stale = await this.#stale(userId, others);
    if (stale.length > 0) await this.#update(userId, 'DELETE', stale);
    return 1 + others.size - stale.length;
  }

  /**
   * Removes a connection before its items are deleted; resolves to the number of the
   * user's connections left, 0 for the one call that emptied the set, or
   * `undefined` when the connection had already left it (another call reports).
   */
  async left(userId: UserId, connectionId: ConnectionId): Promise<number | undefined> {
    const before = await this.#update(userId, 'DELETE', [connectionId]);
    if (!before.has(connectionId)) return undefined;
    const others = without(before, connectionId);
    if (others.size === 0) return 0;
    const stale = await this.#stale(userId, others);
    if (stale.length === 0) return others.size;
    const beforeRepair = await this.#update(userId, 'DELETE', stale);
    const remaining = without(beforeRepair, ...stale).size;
    // Emptied by another call in between: that call reports the user offline.
    if (remaining === 0 && beforeRepair.size === 0) return 1;
    return remaining;
  }

  /** Drops connections from the set, whatever it holds (clearing every connection). */
  async forget(userId: UserId, connectionIds: ConnectionId[]): Promise<void> {
    await this.#update(userId, 'DELETE', connectionIds);
  }

  /** Of `ids`, those without a user -> connection item (read after the set, strongly consistent). */
  async #stale(userId: UserId, ids: Set<ConnectionId>): Promise<ConnectionId[]> {
    const live = new Set((await userConnectionItems(this.#table, userId)).map((item) => item.connectionId));
    return [...ids].filter((id) => !live.has(id));
  }

  /** Adds or deletes members of the user's set; resolves to the set before. */
  async #update(userId: UserId, action: 'ADD' | 'DELETE', ids: ConnectionId[]): Promise<Set<ConnectionId>> {
    const table = this.#table;
    const { Attributes } = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: keys.presence(userId),
        UpdateExpression: `${action} #connections :ids`,
        ExpressionAttributeNames: { '#connections': 'connections' },
        ExpressionAttributeValues: { ':ids': new Set(ids) },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    // DynamoDB removes an emptied set attribute, so an absent one is the empty set.
    return new Set((Attributes?.connections as Set<ConnectionId> | undefined) ?? []);
  }
}

function without(set: Set<ConnectionId>, ...ids: ConnectionId[]): Set<ConnectionId> {
  const rest = new Set(set);
  for (const id of ids) rest.delete(id);
  return rest;
}
