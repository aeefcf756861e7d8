/**
 * Search on SQLite: an FTS5 external-content index over `messages.text`
 * (migrations.ts). A new message's text is indexed by the write that adds it, in
 * one statement after its other writes (migration 13 says why); edits and
 * deletions keep the index in step by triggers. A query searches the rooms the
 * user is a member of; each term the user typed becomes a quoted prefix query,
 * so nothing they type is FTS5 syntax.
 */
import type { MessageId, SearchHit } from '../../domain/types.ts';
import type { SearchQuery } from '../../ports/chat-store.ts';
import { SNIPPET_CLOSE, SNIPPET_OPEN, snippetFromMarked } from '../snippet.ts';
import { type SearchRow, toSearchHit } from '../sql/rows.ts';
import { SEARCH_HIT_COLUMNS } from '../sql/statements.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

export class SqliteSearch {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  /**
   * Adds new messages' text to the full-text index, in one statement after the
   * transaction's other writes (migration 13 says why); must run inside a write.
   */
  indexNewMessages(messageIds: readonly MessageId[]): void {
    if (messageIds.length === 0) return;
    this.#database
      .prepare(
        'INSERT INTO messages_fts (rowid, text) SELECT row_id, text FROM messages WHERE id IN (SELECT value FROM json_each(?))',
      )
      .run(JSON.stringify(messageIds));
  }

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    if (query.terms.length === 0) return [];
    // Each term becomes a quoted prefix query: nothing the user typed is FTS5 syntax.
    const match = query.terms.map((term) => `"${term.replaceAll('"', '""')}"*`).join(' ');
    const rows = await this.#database.query<SearchRow & { marked: string }>(
      `SELECT ${SEARCH_HIT_COLUMNS}, snippet(messages_fts, 0, ?, ?, '…', 24) AS marked
       FROM messages_fts
       JOIN messages m ON m.row_id = messages_fts.rowid
       JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = ?
       JOIN rooms r ON r.id = m.room_id
       WHERE messages_fts MATCH ? AND m.deleted_at IS NULL AND (? IS NULL OR m.room_id = ?)
       ORDER BY m.created_at DESC, m.row_id DESC
       LIMIT ?`,
      [SNIPPET_OPEN, SNIPPET_CLOSE, query.userId, match, query.roomId ?? null, query.roomId ?? null, query.limit],
    );
    return rows.map((row) => toSearchHit(row, snippetFromMarked(row.marked)));
  }
}
