/**
 * Turns a user's search query into plain terms: runs of letters and digits,
 * lower case, NFKC-normalised. Stores build their own query syntax from these, so
 * nothing a user types is ever interpreted as search-engine syntax.
 */
const MAX_TERMS = 8;
const MAX_TERM_LENGTH = 64;

export function searchTerms(query: string): string[] {
  const words =
    query
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((word) => word.slice(0, MAX_TERM_LENGTH)))].slice(0, MAX_TERMS);
}
