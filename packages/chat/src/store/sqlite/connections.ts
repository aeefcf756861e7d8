/**
 * Connections and presence on SQLite, in the in-memory tables (migrations.ts
 * `ephemeralTables`): every connect and disconnect changes them, so they cost no
 * fsync, and the embedded chat's connections end with its process anyway.
 * `online_users` is who has a connection, by username, kept beside
 * `connections` as a user's first connection opens and their last one closes,
 * so a page of who is online is a walk of its key.
 */
import type { Connection, ConnectionId, User, UserId } from '../../domain/types.ts';
import type { ConnectionRemoval, Page, UserKey } from '../../ports/chat-store.ts';
import { type ConnectionRow, toConnection, toUser, type UserRow } from '../sql/rows.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteConnections {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async addConnection(connection: Connection): Promise<number> {
    const database = this.#database;
    return database.ephemeral(() => {
      database
        .prepare('INSERT OR REPLACE INTO connections (id, user_id, connected_at) VALUES (?, ?, ?)')
        .run(connection.connectionId, connection.userId, connection.connectedAt);
      const count = this.#connectionCount(connection.userId);
      if (count === 1) {
        database
          .prepare('INSERT OR IGNORE INTO online_users (username, id) SELECT username, id FROM users WHERE id = ?')
          .run(connection.userId);
      }
      return count;
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    const database = this.#database;
    return database.ephemeral(() => {
      const row = database.prepare(database.sql.deleteConnection).get(connectionId) as ConnectionRow | undefined;
      if (!row) return undefined;
      const remaining = this.#connectionCount(row.user_id);
      if (remaining === 0) database.prepare('DELETE FROM online_users WHERE id = ?').run(row.user_id);
      return { connection: toConnection(row), remaining };
    });
  }

  async clearConnections(): Promise<void> {
    const database = this.#database;
    database.ephemeral(() => {
      database.prepare('DELETE FROM connections').run();
      database.prepare('DELETE FROM online_users').run();
    });
  }

  /** From the in-memory list of who is online (migrations.ts, `ephemeralTables`). */
  async listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    const { username = '', id = '' } = page.after ?? {};
    const rows = await this.#database.query<UserRow>(
      `SELECT u.* FROM online_users o JOIN users u ON u.id = o.id
       WHERE (o.username, o.id) > (?, ?) ORDER BY o.username, o.id LIMIT ?`,
      [username, id, page.limit],
    );
    return rows.map(toUser);
  }

  #connectionCount(userId: UserId): number {
    return (this.#database.prepare(this.#database.sql.connectionCount).get(userId) as { n: number }).n;
  }
}
