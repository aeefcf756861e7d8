/**
 * Turns a snippet whose matches a search engine wrapped in marker characters into
 * the markup-free `Snippet` the protocol sends (text + highlight ranges). Stores
 * mark matches with these two markers (SQLite through FTS5's `snippet()`,
 * PostgreSQL through `searchSnippet()` of search-text.ts, which mimics it);
 * message text never contains them because the service strips control
 * characters (domain/text.ts).
 */
import type { Snippet } from '../domain/types.ts';

export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';

export function snippetFromMarked(marked: string): Snippet {
  let text = '';
  const highlights: Array<[number, number]> = [];
  let start = -1;
  for (const char of marked) {
    if (char === SNIPPET_OPEN) {
      start = text.length;
    } else if (char === SNIPPET_CLOSE) {
      if (start >= 0 && text.length > start) {
        const last = highlights.at(-1);
        // Adjacent matches become one range, so a client wraps each run once.
        if (last && last[1] === start) last[1] = text.length;
        else highlights.push([start, text.length]);
      }
      start = -1;
    } else {
      text += char;
    }
  }
  return { text, highlights };
}
