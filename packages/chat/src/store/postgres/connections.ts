/**
 * Connections on PostgreSQL: one row per open connection, naming its user,
 * shared by every node. Adding and removing one answers how many the user
 * has left, exactly, under a per-user advisory lock (`lockUser`): presence goes
 * offline on the last one, even when nodes remove a user's connections at once.
 */
import type { Connection, ConnectionId, UserId } from '../../domain/types.ts';
import type { ConnectionRemoval } from '../../ports/chat-store.ts';
import { type ConnectionRow, toConnection } from '../sql/rows.ts';
import type { PostgresDatabase, Transaction } from './postgres-database.ts';

export class PostgresConnections {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async addConnection(connection: Connection): Promise<number> {
    return this.#database.transaction(async (tx) => {
      await lockUser(tx, connection.userId);
      await tx.query(
        `INSERT INTO connections (id, user_id, connected_at) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, connected_at = excluded.connected_at`,
        [connection.connectionId, connection.userId, connection.connectedAt],
      );
      return this.#connectionCount(tx, connection.userId);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#database.transaction(async (tx) => {
      const [row] = await tx.query<ConnectionRow>(this.#database.sql.deleteConnection, [connectionId]);
      if (!row) return undefined;
      await lockUser(tx, row.user_id);
      return { connection: toConnection(row), remaining: await this.#connectionCount(tx, row.user_id) };
    });
  }

  async clearConnections(): Promise<void> {
    await this.#database.query('DELETE FROM connections');
  }

  async #connectionCount(tx: Transaction, userId: UserId): Promise<number> {
    const [row] = await tx.query<{ n: number }>(this.#database.sql.connectionCount, [userId]);
    return row!.n;
  }
}

/**
 * Serialises a user's connection changes until the transaction ends, so the
 * counts they answer are exact: of two nodes removing a user's last two
 * connections at once, one sees 1 and the other 0 (and presence goes offline).
 */
async function lockUser(tx: Transaction, userId: UserId): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('switchboard.chat.connections'), hashtext($1))", [userId]);
}
