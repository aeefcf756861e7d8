/**
 * Search on PostgreSQL: a GIN-indexed `tsvector` column generated from words
 * the store folds itself (store/search-text.ts, written with each message), so
 * matching and highlights follow the SQLite store's rules and user input is
 * never query syntax. A search is one statement over the user's rooms.
 */
import type { SearchHit } from '../../domain/types.ts';
import type { SearchQuery } from '../../ports/chat-store.ts';
import { searchQueryWords, searchSnippet } from '../search-text.ts';
import { type SearchRow, toSearchHit } from '../sql/rows.ts';
import { SEARCH_HIT_COLUMNS } from '../sql/statements.ts';
import type { PostgresDatabase } from './postgres-database.ts';

export class PostgresSearch {
  readonly #database: PostgresDatabase;

  constructor(database: PostgresDatabase) {
    this.#database = database;
  }

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    const words = searchQueryWords(query.terms);
    if (!words) return [];
    const rows = await this.#database.query<SearchRow>(
      `SELECT ${SEARCH_HIT_COLUMNS}
       FROM messages m
       JOIN memberships ms ON ms.room_id = m.room_id AND ms.user_id = $1
       JOIN rooms r ON r.id = m.room_id
       WHERE m.search @@ $2::tsquery AND m.deleted_at IS NULL AND ($3::text IS NULL OR m.room_id = $3)
       ORDER BY m.created_at DESC, m.room_id, m.seq DESC
       LIMIT $4`,
      [query.userId, prefixTsquery(words), query.roomId ?? null, query.limit],
    );
    return rows.map((row) => toSearchHit(row, searchSnippet(row.text, words)));
  }
}

/**
 * The `tsquery` that needs every word (searchQueryWords) as a word prefix, built
 * from lexeme literals so nothing a user typed is query syntax.
 */
function prefixTsquery(words: readonly string[]): string {
  // Words hold only letters, digits and marks; the escaping keeps that an invariant of this function, not of the callers.
  return words.map((word) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`).join(' & ');
}
