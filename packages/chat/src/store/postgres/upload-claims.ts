/**
 * Upload claims on PostgreSQL: one row per attached upload (room, author,
 * file), naming the send that took it. A send's claims are one transaction, so
 * a send whose second file is another send's leaves its first one free.
 */
import type { UploadClaim } from '../../ports/chat-store.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresUploadClaims {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async claimUploads({ roomId, authorId, fileIds, clientMessageId, at }: UploadClaim): Promise<string | undefined> {
    return this.#database.transaction(async (tx) => {
      // In one order for every send, so two sends naming the same files wait on each other's
      // rows rather than deadlock.
      for (const fileId of [...fileIds].sort()) {
        const claimed = await tx.query(this.#database.sql.claimUpload, [roomId, authorId, fileId, clientMessageId, at]);
        if (claimed.length === 0) return tx.rollback(fileId);
      }
      return undefined;
    });
  }
}
