/**
 * Mentions and notification settings on SQLite: a new message's mentions go
 * into `message_mentions`, one row per mentioned key (a user's id, or `*` for
 * `@room`), which is what counts a member's unread mentions (statements.ts
 * `countMentions`) without reading messages' JSON; a member's settings for a room
 * are one `notification_settings` row, replaced whole.
 */

import { mentionKeys } from '../../domain/mentions.ts';
import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type { RoomId, UserId } from '../../domain/types.ts';
import type { NewMessage } from '../../ports/chat-store.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteMentions {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** Indexes the mentions of the new message at `seq`; must run inside a write. */
  insert(message: NewMessage, seq: number): void {
    const mention = this.#database.prepare('INSERT INTO message_mentions (room_id, user_id, seq) VALUES (?, ?, ?)');
    for (const key of mentionKeys(message.mentions)) mention.run(message.roomId, key, seq);
  }

  async setNotificationSettings(userId: UserId, roomId: RoomId, settings: NotificationSettings): Promise<void> {
    const database = this.#database;
    database.write(() =>
      database
        .prepare(database.sql.setNotificationSettings)
        .run(userId, roomId, settings.level, settings.muted ? 1 : 0),
    );
  }
}
