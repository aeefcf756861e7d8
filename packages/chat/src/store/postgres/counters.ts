/**
 * Rate-limit counters on PostgreSQL: one row per key with a fixed window,
 * decided by one upsert, so any number of nodes may hit a key at once.
 * Expired counters are swept beside each hit.
 */
import type { CounterState } from '../../ports/chat-store.ts';
import { type CounterRow, toCounter } from '../sql/rows.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresCounters {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    // One upsert decides the window atomically, however many nodes hit the key at once.
    // Beside it, a bounded sweep of expired counters that skips rows other requests hold.
    const [row] = await this.#database.query<CounterRow>(
      `WITH expired AS (
         DELETE FROM counters WHERE key IN (
           SELECT key FROM counters WHERE reset_at <= $2 AND key <> $1 LIMIT 100 FOR UPDATE SKIP LOCKED
         )
       )
       INSERT INTO counters AS c (key, count, reset_at) VALUES ($1, 1, $2 + $3)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.reset_at <= $2 THEN 1 ELSE c.count + 1 END,
         reset_at = CASE WHEN c.reset_at <= $2 THEN excluded.reset_at ELSE c.reset_at END
       RETURNING count, reset_at`,
      [key, now, windowMs],
    );
    return toCounter(row!);
  }

  async resetCounter(key: string): Promise<void> {
    await this.#database.query(this.#database.sql.deleteCounter, [key]);
  }
}
