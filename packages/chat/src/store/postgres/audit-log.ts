/**
 * The audit log on PostgreSQL: one row per moderation action or deactivation,
 * appended by one statement; the base class (store/sql/sql-chat-store.ts)
 * lists them.
 */
import type { AuditEntry } from '../../domain/types.ts';
import { auditValues } from '../sql/rows.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresAuditLog {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async appendAuditEntry(entry: AuditEntry): Promise<void> {
    await this.#database.query(this.#database.sql.insertAudit, auditValues(entry));
  }
}
