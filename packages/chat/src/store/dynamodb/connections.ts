/**
 * Connections on DynamoDB (presence and fan-out): a `CONN#<id>` item finds a
 * connection's user, and a `USER#<id>` / `CONN#<id>` item lists a user's
 * connections and doubles as the entry of the sparse online index (gsi1
 * `ONLINE`). Each open connection is also in the live-connection index of its
 * user's rooms (room-connections.ts), which broadcasts read. All carry a TTL
 * (`expiresAt`), so those whose `$disconnect` never ran (a crashed node)
 * disappear by themselves. Whether a user came online or went offline is
 * decided by a set of the user's connection ids (presence.ts), written after
 * the items are put and before they are deleted.
 */
import { ChatError } from '../../domain/errors.ts';
import type { Connection, ConnectionId, RoomId, User, UserId } from '../../domain/types.ts';
import type { ConnectionRemoval, Page, UserKey } from '../../ports/chat-store.ts';
import {
  type ConnectionItem,
  compare,
  epochSeconds,
  type OnlineEntry,
  toConnection,
  toUser,
  type UserItem,
} from './items.ts';
import type { DynamoPresence } from './presence.ts';
import type { DynamoRoomConnections } from './room-connections.ts';
import { cancelled, type DynamoTable, gsi1From, mapLimit } from './table.ts';
import { GSI1_ONLINE, keys } from './table-design.ts';
import { userConnectionItems } from './user-partition.ts';

export class DynamoConnections {
  readonly #table: DynamoTable;
  readonly #live: DynamoRoomConnections;
  readonly #presence: DynamoPresence;

  constructor(table: DynamoTable, live: DynamoRoomConnections, presence: DynamoPresence) {
    this.#table = table;
    this.#live = live;
    this.#presence = presence;
  }

  async addConnection(connection: Connection): Promise<number> {
    const table = this.#table;
    return table.run(async () => {
      const user = toUser(await table.get<UserItem>(keys.user(connection.userId)));
      if (!user) throw new ChatError('USER_NOT_FOUND');
      const { connectionId, connectedAt } = connection;
      const expiresAt = epochSeconds(connectedAt) + table.settings.connectionTtlSeconds;
      const record: ConnectionItem = { connectionId, userId: user.id, connectedAt, expiresAt };
      const reasons = await table.transact([
        table.put({ ...keys.connection(connectionId), ...record }),
        // The user -> connection item is also the (sparse) online index entry, which TTL removes with it.
        table.put({
          ...keys.userConnection(user.id, connectionId),
          connectionId,
          userId: user.id,
          username: user.username,
          guest: user.guest,
          createdAt: user.createdAt,
          connectedAt,
          expiresAt,
          gsi1pk: GSI1_ONLINE,
          gsi1sk: `${user.username}#${user.id}#${connectionId}`,
        }),
      ]);
      if (reasons) throw cancelled(reasons);
      try {
        await this.#live.opened(record);
      } catch (error) {
        // The handshake fails: take the records back, or the user would look online until the TTL.
        await this.#delete(record).catch(() => {});
        throw error;
      }
      return this.#presence.joined(user.id, connectionId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    const table = this.#table;
    return table.run(async () => {
      const item = await table.get<ConnectionItem>(keys.connection(connectionId));
      if (!item) return undefined;
      let remaining: number | undefined;
      await this.#live.closing(item, async () => {
        // Presence before the records, so that an id in the set always has them (presence.ts tells stale ids
        // by that); the records go whoever reports the removal, or a call that stopped halfway would leave them.
        remaining = await this.#presence.left(item.userId, connectionId);
        await this.#delete(item);
      });
      // Removed concurrently (a second $disconnect, or a 410 clean-up): the other caller reports it.
      return remaining === undefined ? undefined : { connection: toConnection(item), remaining };
    });
  }

  async getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    return this.#table.run(async () => {
      const item = await this.#table.get<ConnectionItem>(keys.connection(connectionId));
      return item && toConnection(item);
    });
  }

  async listUserConnections(userId: UserId): Promise<Connection[]> {
    return this.#table.run(async () =>
      (await userConnectionItems(this.#table, userId)).map(toConnection).sort(byConnectedAt),
    );
  }

  async listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    return this.#table.run(() => this.#live.list(roomId));
  }

  async listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    const table = this.#table;
    return table.run(async () => {
      const users = new Map<UserId, User>();
      // One entry per connection, by username: keep each user once. `\uffff` sorts after any connection id,
      // so a page resumes after every connection of the last user.
      let after = page.after && `${page.after.username}#${page.after.id}#\uffff`;
      for (;;) {
        const wanted = page.limit - users.size;
        const entries = await this.#onlineEntries(after, wanted);
        for (const { userId, username, guest, createdAt } of entries) {
          if (users.size < page.limit && !users.has(userId))
            users.set(userId, { id: userId, username, guest, createdAt });
        }
        const last = entries.at(-1);
        if (users.size >= page.limit || entries.length < wanted || !last) return [...users.values()];
        after = `${last.username}#${last.userId}#\uffff`;
      }
    });
  }

  /**
   * Forgets the connections the online index lists, with their live-index
   * entries. The index is eventually consistent, so a connection written a
   * moment before may survive; a single-node server calls this at start, before
   * it accepts connections.
   */
  async clearConnections(): Promise<void> {
    const table = this.#table;
    await table.run(async () => {
      await mapLimit(await this.#onlineEntries(undefined), table.settings.queryConcurrency, async (entry) => {
        await this.#presence.forget(entry.userId, [entry.connectionId]);
        await this.#live.closing({ ...entry, expiresAt: 0 }, () =>
          table.batchWrite([
            { delete: keys.connection(entry.connectionId) },
            { delete: keys.userConnection(entry.userId, entry.connectionId) },
          ]),
        );
      });
    });
  }

  /**
   * Deletes a connection's records. A conflict means another caller is deleting
   * them: not a failure of this removal, which may be the one that reports the user offline.
   */
  async #delete({ connectionId, userId }: ConnectionItem): Promise<void> {
    const table = this.#table;
    const reasons = await table.transact([
      table.delete(keys.connection(connectionId)),
      table.delete(keys.userConnection(userId, connectionId)),
    ]);
    if (reasons && !reasons.includes('TransactionConflict')) throw cancelled(reasons);
  }

  /** Entries of the online index after the sort key `after`, at most `max` (all by default). */
  async #onlineEntries(after: string | undefined, max?: number): Promise<OnlineEntry[]> {
    return this.#table.query<OnlineEntry>(gsi1From(GSI1_ONLINE, after), max);
  }
}

function byConnectedAt(a: Connection, b: Connection): number {
  return a.connectedAt - b.connectedAt || compare(a.connectionId, b.connectionId);
}
