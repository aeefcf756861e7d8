/**
 * Sessions on SQLite: one `sessions` row per token, deleted one by one (log-out)
 * or all of a user's at once. Expired rows are swept a few at a time as new
 * sessions are made, so the table holds about the live ones without a timer.
 */
import type { SessionRecord, UserId } from '../../domain/types.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteSessions {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async createSession(session: SessionRecord): Promise<void> {
    const database = this.#database;
    database.write(() => {
      // A bounded sweep of expired sessions beside each new one keeps the table to the live ones.
      database
        .prepare('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT 100)')
        .run(session.createdAt);
      database
        .prepare('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(session.id, session.userId, session.createdAt, session.expiresAt);
    });
  }

  async deleteSession(id: string): Promise<void> {
    const database = this.#database;
    database.write(() => database.prepare(database.sql.deleteSession).run(id));
  }

  async deleteUserSessions(userId: UserId): Promise<void> {
    const database = this.#database;
    database.write(() => database.prepare(database.sql.deleteUserSessions).run(userId));
  }
}
