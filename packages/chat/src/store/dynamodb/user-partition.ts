/**
 * Queries of a user's partition (`USER#<id>`) that several concepts share: the
 * user's rooms (one `ROOM#<roomId>` item per membership, written with it) and
 * the user's connections (`CONN#<connectionId>` items, with their TTL). Both read
 * strongly consistent, which the live-connection index relies on
 * (room-connections.ts).
 */
import type { RoomId, UserId } from '../../domain/types.ts';
import type { ConnectionItem } from './items.ts';
import type { DynamoTable } from './table.ts';
import { keys } from './table-design.ts';

/** The ids of the user's rooms and direct conversations, in id order. */
export async function userRoomIds(table: DynamoTable, userId: UserId): Promise<RoomId[]> {
  const items = await table.query<{ roomId: RoomId }>({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :room)',
    ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':room': 'ROOM#' },
  });
  return items.map((item) => item.roomId);
}

/** The user's open connections (as far as their records say). */
export async function userConnectionItems(table: DynamoTable, userId: UserId): Promise<ConnectionItem[]> {
  return table.query<ConnectionItem>({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :conn)',
    ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':conn': 'CONN#' },
  });
}
