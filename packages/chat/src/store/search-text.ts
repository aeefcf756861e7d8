/**
 * How a store that cannot run FTS5 tokenises text for search, in one place for
 * the index, the query and the highlights, so a highlighted word is always a
 * word the index matched. The PostgreSQL store indexes these words in a
 * `tsvector`; nothing here depends on a database.
 *
 * The rules follow the SQLite store's FTS5 `unicode61 remove_diacritics 2`
 * tokenizer: a word is a run of letters, digits and combining marks; words are
 * compared lower case and without diacritics ("Café" is found by "cafe"); a
 * query term matches a word it is a prefix of. (PostgreSQL's own text-search
 * parser would not do: it reads `user@example.com` or `a/b` as one token and
 * drops `<b>`-like text from headlines, where FTS5 (and users) see words.)
 */
import type { Snippet } from '../domain/types.ts';
import { SNIPPET_CLOSE, SNIPPET_OPEN, snippetFromMarked } from './snippet.ts';

/** What to index for `text`: its distinct folded words, space-separated (PostgreSQL: the `search_words` column). */
export function searchWords(text: string): string {
  return messageWords(text).join(' ');
}

/** The distinct folded words of `text`, in the order they first appear (the DynamoDB store indexes one item per word). */
export function messageWords(text: string): string[] {
  const words = new Set<string>();
  for (const [token] of text.matchAll(TOKEN)) for (const word of foldWords(token)) words.add(word);
  return [...words];
}

/** Whether every query word (of `searchQueryWords`) starts a word of `text`: the match rule of every store. */
export function matchesEveryWord(text: string, words: readonly string[]): boolean {
  const folded = messageWords(text);
  return words.every((word) => folded.some((candidate) => candidate.startsWith(word)));
}

/**
 * The folded words that every match must have a word starting with, one or
 * more per term. `undefined` when a term has no letter or digit: such a term is
 * a prefix of no word, so nothing matches.
 */
export function searchQueryWords(terms: readonly string[]): string[] | undefined {
  const words = new Set<string>();
  for (const term of terms) {
    const folded = foldWords(term);
    if (folded.length === 0) return undefined;
    for (const word of folded) words.add(word);
  }
  return words.size === 0 ? undefined : [...words];
}

/**
 * The snippet of a matching message in the SQLite store's format: FTS5's
 * `snippet(…, '…', 24)`. Texts of at most 24 words are returned whole; longer
 * ones are cut to the 24-word window with the most distinct matching words
 * (the matches centred in it), with `…` where words were cut off.
 */
export function searchSnippet(text: string, words: readonly string[]): Snippet {
  const tokens: Token[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const folded = foldWords(match[0]);
    const hits = words.filter((word) => folded.some((candidate) => candidate.startsWith(word)));
    tokens.push({ start: match.index, end: match.index + match[0].length, hits });
  }
  const first = windowStart(tokens);
  const last = Math.min(tokens.length, first + SNIPPET_WORDS);
  let marked = first > 0 ? ELLIPSIS : '';
  let at = first > 0 ? tokens[first]!.start : 0;
  for (let index = first; index < last; index++) {
    const token = tokens[index]!;
    if (token.hits.length === 0) continue;
    marked += `${text.slice(at, token.start)}${SNIPPET_OPEN}${text.slice(token.start, token.end)}${SNIPPET_CLOSE}`;
    at = token.end;
  }
  marked += last < tokens.length ? `${text.slice(at, tokens[last - 1]!.end)}${ELLIPSIS}` : text.slice(at);
  return snippetFromMarked(marked);
}

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
const COMBINING_MARKS = /\p{M}/gu;
const WORD = /[\p{L}\p{N}]+/gu;
/** Longest stored or queried word, in UTF-16 units: the same cut as `searchTerms`, so a long term still prefixes its word. */
const MAX_WORD_LENGTH = 64;
/** FTS5 `snippet()`'s token budget and ellipsis, as the SQLite store asks for them. */
const SNIPPET_WORDS = 24;
const ELLIPSIS = '…';

interface Token {
  start: number;
  end: number;
  /** The query words this token matches. */
  hits: string[];
}

/** Lower case first (some capitals lower to a letter plus a mark), then compatibility-decompose and drop the marks. */
function foldWords(token: string): string[] {
  const folded = token.toLowerCase().normalize('NFKD').replace(COMBINING_MARKS, '').match(WORD) ?? [];
  return folded.map((word) => word.slice(0, MAX_WORD_LENGTH));
}

/** FTS5's choice: the window starting at a match that covers most distinct words (then most matches), recentred. */
function windowStart(tokens: readonly Token[]): number {
  if (tokens.length <= SNIPPET_WORDS) return 0;
  let best = 0;
  let bestScore = -1;
  let bestLast = 0;
  for (let start = 0; start < tokens.length; start++) {
    if (tokens[start]!.hits.length === 0) continue;
    const distinct = new Set<string>();
    let matches = 0;
    let last = start;
    for (let index = start; index < Math.min(tokens.length, start + SNIPPET_WORDS); index++) {
      const { hits } = tokens[index]!;
      if (hits.length === 0) continue;
      for (const hit of hits) distinct.add(hit);
      matches++;
      last = index;
    }
    const score = distinct.size * 1000 + matches;
    if (score > bestScore) [best, bestScore, bestLast] = [start, score, last];
  }
  const centred = best - Math.floor((SNIPPET_WORDS - (bestLast - best + 1)) / 2);
  return Math.max(0, Math.min(tokens.length - SNIPPET_WORDS, centred));
}
