/**
 * The audit log of moderation on SQLite: one `audit_log` row per entry, which
 * the shared reads page by time then id, newest first, for a room or for every room.
 */
import type { AuditEntry } from '../../domain/types.ts';
import { auditValues } from '../sql/rows.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteAuditLog {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async appendAuditEntry(entry: AuditEntry): Promise<void> {
    const database = this.#database;
    database.write(() => database.prepare(database.sql.insertAudit).run(...auditValues(entry)));
  }
}
