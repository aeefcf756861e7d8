/**
 * Whether a client's JSON holds a string that is not well-formed Unicode. JSON can
 * spell a lone UTF-16 surrogate (`"\ud800"`), which is no character: stored, it comes
 * back as something else (SQLite writes it as invalid UTF-8, read back as three
 * U+FFFD, so a text within its length limit returns three times as long), and a
 * file name holding one cannot be put in a URL. Only a body that escapes a surrogate
 * can hold one, so the others (nearly all) are not walked.
 */
const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;

/** `json` is the text `value` was parsed from. Walked without recursion: a body may nest deep. */
export function holdsIllFormedString(json: string, value: unknown): boolean {
  if (!ESCAPED_SURROGATE.test(json)) return false;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (!next.isWellFormed()) return true;
    } else if (next !== null && typeof next === 'object') {
      for (const [key, member] of Object.entries(next)) pending.push(key, member);
    }
  }
  return false;
}

/** What a client is told about such a string. */
export const ILL_FORMED_STRING =
  'Strings must be well-formed Unicode: a lone surrogate (\\ud800 to \\udfff) is no character.';
