/**
 * Users and their credentials on SQLite: a username is unique ignoring case
 * (the `COLLATE NOCASE` unique column), so a taken one is the insert's
 * constraint failure, answered as USERNAME_TAKEN; a password hash is the user's
 * `credentials` row; a deactivation is a `deactivated_users` row.
 */
import type { User, UserId } from '../../domain/types.ts';
import type { NewUser } from '../../ports/chat-store.ts';
import { claimName, type SqliteDatabase } from './sqlite-database.ts';

export class SqliteUsers {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async createUser(user: NewUser): Promise<User> {
    const database = this.#database;
    return database.write(() => {
      claimName('USERNAME_TAKEN', () =>
        database
          .prepare('INSERT INTO users (id, username, guest, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)')
          .run(user.id, user.username, user.guest ? 1 : 0, user.createdAt, user.guest ? user.createdAt : null),
      );
      if (user.passwordHash !== undefined) {
        database
          .prepare('INSERT INTO credentials (user_id, password_hash) VALUES (?, ?)')
          .run(user.id, user.passwordHash);
      }
      return { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
    });
  }

  async setPasswordHash(userId: UserId, passwordHash: string): Promise<void> {
    const database = this.#database;
    database.write(() => database.prepare(database.sql.updatePasswordHash).run(passwordHash, userId));
  }

  async deactivateUser(userId: UserId, at: number): Promise<boolean> {
    const database = this.#database;
    return database.write(() => database.prepare(database.sql.deactivate).get(userId, at) !== undefined);
  }
}
