/**
 * Users on PostgreSQL: accounts and their credentials, guests (their activity,
 * the renaming of a former guest's messages, retirement) and deactivated
 * accounts. Each write is one statement, atomic on its own; the base class
 * (store/sql/sql-chat-store.ts) reads them.
 */
import type { User, UserId } from '../../domain/types.ts';
import type { NewUser } from '../../ports/chat-store.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresUsers {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async createUser(user: NewUser): Promise<User> {
    // One statement, so the user and the credential are written together or not at all.
    await this.#database.query(
      `WITH inserted AS (
         INSERT INTO users (id, username, guest, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $3 THEN $4::bigint END) RETURNING id
       )
       INSERT INTO credentials (user_id, password_hash) SELECT id, $5 FROM inserted WHERE $5::text IS NOT NULL`,
      [user.id, user.username, user.guest, user.createdAt, user.passwordHash ?? null],
    );
    return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
  }

  async setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    await this.#database.query(this.#database.sql.updatePasswordHash, [passwordHash, userId]);
  }

  async deactivateUser(userId: UserId, at: number): Promise<boolean> {
    return (await this.#database.query(this.#database.sql.deactivate, [userId, at])).length > 0;
  }

  // Guests

  async recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    await this.#database.query(this.#database.sql.guestSeen, [at, userId, unlessSince]);
  }

  async renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    const [row] = await this.#database.query<{ n: number }>(
      `WITH renamed AS (${this.#database.sql.renameAuthor} RETURNING 1) SELECT count(*)::int AS n FROM renamed`,
      [name, userId, name, limit],
    );
    return row!.n;
  }

  async retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    return (await this.#database.query(this.#database.sql.retireGuest, [formerName, at, userId])).length > 0;
  }
}
