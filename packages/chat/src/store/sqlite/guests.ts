/**
 * Guests on SQLite: when a guest was last seen (what `listIdleGuests` pages by,
 * the oldest first), and what becomes of an idle guest: their messages carry a
 * new author name, and their username is freed by renaming them to a former
 * name, which is unique like any other.
 */
import type { UserId } from '../../domain/types.ts';
import { claimName, type SqliteDatabase } from './sqlite-database.ts';

export class SqliteGuests {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /** Synced off the event loop: a restart's reconnecting guests would otherwise cost one fsync each on it. */
  async recordGuestActivity(userId: UserId, at: number, unlessSince: number): Promise<void> {
    const database = this.#database;
    await database.writeUnpublished(() => database.prepare(database.sql.guestSeen).run(at, userId, unlessSince));
  }

  async renameAuthor(userId: UserId, name: string, limit: number): Promise<number> {
    const database = this.#database;
    return database.write(() => database.prepare(database.sql.renameAuthor).run(name, userId, name, limit).changes);
  }

  async retireGuest(userId: UserId, formerName: string, at: number): Promise<boolean> {
    const database = this.#database;
    return database.write(() =>
      claimName(
        'USERNAME_TAKEN',
        () => database.prepare(database.sql.retireGuest).all(formerName, at, userId).length > 0,
      ),
    );
  }
}
