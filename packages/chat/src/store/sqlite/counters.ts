/**
 * Rate-limit counters on SQLite: one row per key with a fixed window, in the
 * in-memory `counters` table (migrations.ts `ephemeralTables`). A looping client
 * hits one on every frame, so a hit costs no fsync; a restart may forget a window.
 */
import type { CounterState } from '../../ports/chat-store.ts';
import { type CounterRow, toCounter } from '../sql/rows.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteCounters {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    const database = this.#database;
    return database.ephemeral(() => {
      database.prepare('DELETE FROM counters WHERE reset_at <= ?').run(now);
      const row = database
        .prepare(
          `INSERT INTO counters (key, count, reset_at) VALUES (?, 1, ?)
         ON CONFLICT (key) DO UPDATE SET count = count + 1
         RETURNING count, reset_at`,
        )
        .get(key, now + windowMs) as CounterRow;
      return toCounter(row);
    });
  }

  async resetCounter(key: string): Promise<void> {
    const database = this.#database;
    database.ephemeral(() => database.prepare(database.sql.deleteCounter).run(key));
  }
}
