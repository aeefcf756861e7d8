/**
 * The live-connection index on DynamoDB: per room, one item per open connection
 * of each member (`ROOMCONN#<roomId>` / `CONN#<connectionId>`, with the
 * connection's TTL). A broadcast is one Query of the room's index (paged per
 * megabyte): it reads the connections of the members who are online, never the
 * membership, so a send to a room of 100,000 members of whom 10 are online reads
 * 10 small items.
 *
 *   connection opened ─▶ an item in each of the user's rooms
 *   connection closed ─▶ those items removed
 *   member joined     ─▶ an item per open connection of the user
 *   member left       ─▶ those items removed
 *
 * The cost moves from each send to each connect: opening or closing a
 * connection writes one item per room of the user (BatchWriteItem, 25 per
 * request), and nothing per other member: joining `#general` at 100,000 members
 * costs what joining a room of two does. A user in 1,000 rooms pays 1,000 item
 * writes per connect and per disconnect (40 requests, about 1,000 WCU); that is
 * the trade-off, and it pays for itself after a few sends in those rooms, since
 * reading members per send would cost a query per member.
 *
 * Races. Each writer commits its own record first (the membership or the
 * connection), then the index items, then reads the other side again
 * (strongly consistent) and removes what no longer holds. Of two concurrent
 * writers, either the second one's first read sees the first one's record, or
 * the first one's re-read sees the second one's: a member who left is never
 * left in the index (which would leak the room's messages to them), and a
 * connection that closed is not left either. A close that fails half-way
 * leaves items that TTL removes; until then a post to them answers 410 and the
 * broadcaster skips them.
 */
import type { Connection, RoomId, UserId } from '../../domain/types.ts';
import { type ConnectionItem, compare, type MemberItem } from './items.ts';
import type { DynamoTable } from './table.ts';
import { keys } from './table-design.ts';
import { userConnectionItems, userRoomIds } from './user-partition.ts';

export class DynamoRoomConnections {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  /** The room's live connections, oldest first. */
  async list(roomId: RoomId): Promise<Connection[]> {
    const items = await this.#table.query<ConnectionItem>({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.roomConnection(roomId, '').pk },
    });
    return items
      .map(({ connectionId, userId, connectedAt }) => ({ connectionId, userId, connectedAt }))
      .sort((a, b) => a.connectedAt - b.connectedAt || compare(a.connectionId, b.connectionId));
  }

  /** The members of the room who have an open connection. */
  async onlineUserIds(roomId: RoomId): Promise<Set<UserId>> {
    const items = await this.#table.query<{ userId: UserId }>({
      KeyConditionExpression: 'pk = :pk',
      ProjectionExpression: 'userId',
      ExpressionAttributeValues: { ':pk': keys.roomConnection(roomId, '').pk },
    });
    return new Set(items.map((item) => item.userId));
  }

  /** After a connection's records are written: index it in each of its user's rooms. */
  async opened(connection: ConnectionItem): Promise<void> {
    const table = this.#table;
    const rooms = await userRoomIds(table, connection.userId);
    await table.batchWrite(rooms.map((roomId) => ({ put: entry(roomId, connection) })));
    // A room left meanwhile: its leave may have looked for connections before this one existed.
    const still = new Set(await userRoomIds(table, connection.userId));
    await this.#remove(
      rooms.filter((roomId) => !still.has(roomId)),
      [connection],
    );
  }

  /**
   * Before and after a connection's records are deleted (`deleteRecords`):
   * removes its entries from its user's rooms, also from a room joined meanwhile.
   */
  async closing(connection: ConnectionItem, deleteRecords: () => Promise<void>): Promise<void> {
    const table = this.#table;
    const before = await userRoomIds(table, connection.userId);
    await this.#remove(before, [connection]);
    await deleteRecords();
    const seen = new Set(before);
    const joined = (await userRoomIds(table, connection.userId)).filter((roomId) => !seen.has(roomId));
    await this.#remove(joined, [connection]);
  }

  /** After a membership is written: index the member's open connections in the room. */
  async joined(roomId: RoomId, userId: UserId): Promise<void> {
    const table = this.#table;
    const connections = await userConnectionItems(table, userId);
    if (connections.length === 0) return;
    await table.batchWrite(connections.map((connection) => ({ put: entry(roomId, connection) })));
    // A connection closed meanwhile, or the member left again: undo what no longer holds.
    const [still, member] = await Promise.all([
      userConnectionItems(table, userId),
      table.get<MemberItem>(keys.member(roomId, userId)),
    ]);
    const open = new Set(still.map((connection) => connection.connectionId));
    await this.#remove(
      [roomId],
      connections.filter((connection) => !member || !open.has(connection.connectionId)),
    );
  }

  /** After a membership is deleted: the member's connections leave the room's index. */
  async left(roomId: RoomId, userId: UserId): Promise<void> {
    await this.#remove([roomId], await userConnectionItems(this.#table, userId));
  }

  async #remove(roomIds: readonly RoomId[], connections: readonly ConnectionItem[]): Promise<void> {
    await this.#table.batchWrite(
      roomIds.flatMap((roomId) =>
        connections.map((connection) => ({ delete: keys.roomConnection(roomId, connection.connectionId) })),
      ),
    );
  }
}

function entry(roomId: RoomId, { connectionId, userId, connectedAt, expiresAt }: ConnectionItem) {
  return { ...keys.roomConnection(roomId, connectionId), connectionId, userId, connectedAt, expiresAt };
}
