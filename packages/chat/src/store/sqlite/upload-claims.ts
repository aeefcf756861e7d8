/**
 * Upload claims on SQLite: one `upload_claims` row per attached upload, naming
 * the send that took it. A send's claims are one transaction, rolled back at the
 * first upload another send holds, so a send whose second file is another
 * send's leaves its first one free. A send that comes again (the same client
 * message id) holds its claims still; one without a client message id takes only
 * free uploads (statements.ts `claimUpload`).
 */
import { ChatError } from '../../domain/errors.ts';
import type { UploadClaim } from '../../ports/chat-store.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteUploadClaims {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async claimUploads({ roomId, authorId, fileIds, clientMessageId, at }: UploadClaim): Promise<string | undefined> {
    const database = this.#database;
    let refused: string | undefined;
    try {
      database.write(() => {
        const claim = database.prepare(database.sql.claimUpload);
        refused = fileIds.find((fileId) => claim.get(roomId, authorId, fileId, clientMessageId, at) === undefined);
        // Throwing is how a better-sqlite3 transaction rolls back: the claims made before it go too.
        if (refused !== undefined) throw new ChatError('FILE_NOT_FOUND');
      });
    } catch (error) {
      if (refused === undefined) throw error;
    }
    return refused;
  }
}
