/**
 * Sessions on PostgreSQL: what makes a token revocable, one row each. Expired
 * sessions are swept beside each new one, in the same statement.
 */
import type { SessionRecord, UserId } from '../../domain/types.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresSessions {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async createSession(session: SessionRecord): Promise<void> {
    // Beside each new session, a bounded sweep of expired ones that skips rows other requests hold.
    await this.#database.query(
      `WITH expired AS (
         DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE expires_at <= $3 LIMIT 100 FOR UPDATE SKIP LOCKED
         )
       )
       INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.id, session.userId, session.createdAt, session.expiresAt],
    );
  }

  async deleteSession(id: string): Promise<void> {
    await this.#database.query(this.#database.sql.deleteSession, [id]);
  }

  async deleteUserSessions(userId: UserId): Promise<void> {
    await this.#database.query(this.#database.sql.deleteUserSessions, [userId]);
  }
}
