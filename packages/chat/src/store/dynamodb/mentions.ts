/**
 * Mentions and notification settings on DynamoDB. A message item carries the
 * ids it mentions (`mentionIds`, with `*` for `@room`: items.ts), so a member's
 * unread mentions are a COUNT query over the same unread range as the unread
 * count, filtered on that list (and, as that count, on the room's timeline): it
 * costs what is unread, not the room's history. Settings are one item per
 * member and room in the user's partition (`USER#<id>` / `NOTIFY#<roomId>`),
 * read by key.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ROOM_MENTION_KEY } from '../../domain/mentions.ts';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { RoomId, UserId } from '../../domain/types.ts';
import { IN_TIMELINE } from './items.ts';
import { MAX_SEQ } from './sequenced-write.ts';
import { type DynamoTable, mapLimit } from './table.ts';
import { keys } from './table-design.ts';

interface NotificationSettingsItem extends NotificationSettings {
  roomId: RoomId;
}

export class DynamoMentions {
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async countMentions(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; afterSeq: number }>): Promise<number[]> {
    const table = this.#table;
    return table.run(() =>
      mapLimit([...rooms], table.settings.queryConcurrency, ({ roomId, afterSeq }) =>
        table.count({
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          // A reply only in its thread is no unread message of the room: its mentions are not counted here.
          FilterExpression: `#authorId <> :me AND attribute_not_exists(#deletedAt) AND (contains(#mentionIds, :me) OR contains(#mentionIds, :room)) AND ${IN_TIMELINE.filter}`,
          ExpressionAttributeNames: {
            '#authorId': 'authorId',
            '#deletedAt': 'deletedAt',
            '#mentionIds': 'mentionIds',
            ...IN_TIMELINE.names,
          },
          ExpressionAttributeValues: {
            ...IN_TIMELINE.values,
            ':pk': keys.room(roomId).pk,
            ':low': keys.message(roomId, afterSeq + 1).sk,
            ':high': keys.message(roomId, MAX_SEQ).sk,
            ':me': userId,
            ':room': ROOM_MENTION_KEY,
          },
        }),
      ),
    );
  }

  async setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    const table = this.#table;
    const item: NotificationSettingsItem = { roomId, level: settings.level, muted: settings.muted };
    await table.run(() =>
      table.doc.send(
        new PutCommand({ TableName: table.name, Item: { ...keys.notificationSettings(userId, roomId), ...item } }),
      ),
    );
  }

  async getNotificationSettings(
    userId: UserId,
    roomIds: readonly RoomId[],
  ): Promise<Map<RoomId, NotificationSettings>> {
    const table = this.#table;
    return table.run(async () => {
      const items = await table.batchGet<NotificationSettingsItem>(
        roomIds.map((roomId) => keys.notificationSettings(userId, roomId)),
      );
      return new Map(items.map((item) => [item.roomId, { level: item.level, muted: item.muted }]));
    });
  }
}
