/**
 * Java regular expressions (`String.replaceAll`, `replaceFirst`, `matches`, `split`) run
 * on JavaScript's engine. The common syntax is the same; where Java differs this
 * translates it (`\s` is ASCII whitespace, `$` also matches before a final line break,
 * `\A`, `\Z`, `\z`, `\Q...\E`, leading `(?i)`-style flags) and refuses what it cannot
 * reproduce (possessive quantifiers, atomic groups, class intersections, `\p{...}`,
 * flags in the middle of a pattern) with a VtlProblem instead of matching differently.
 *
 * A pattern that may backtrack runs within a time limit (limits/pattern-time-limit.ts):
 * past it the call throws PatternTimeLimitError instead of holding the event loop.
 */
import { mayBacktrack, withinPatternTimeLimit } from '../../limits/pattern-time-limit.ts';
import { VtlProblem } from './values.ts';

/**
 * `text.replaceAll(pattern, replacement)` / `replaceFirst`, with Java's `$1` and `\$`
 * replacement syntax; refuses to build a string longer than `maxLength`.
 */
export function javaReplace(
  text: string,
  pattern: string,
  replacement: string,
  all: boolean,
  maxLength: number,
): string {
  const entry = compiled(pattern);
  const regex = entry.global;
  const count = groupCount(regex);
  regex.lastIndex = 0;
  return bounded(entry, text, () => replaceMatches(text, regex, count, replacement, all, maxLength));
}

function replaceMatches(
  text: string,
  regex: RegExp,
  count: number,
  replacement: string,
  all: boolean,
  maxLength: number,
): string {
  if (!all) {
    const match = regex.exec(text);
    if (!match) return text;
    const expanded = expandReplacement(replacement, match, match.groups, count);
    return grow(text.slice(0, match.index) + expanded + text.slice(match.index + match[0].length), maxLength);
  }
  let length = text.length;
  return text.replace(regex, (...args: unknown[]) => {
    const last = args.at(-1);
    const groups = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    const match = args.slice(0, count + 1) as string[];
    const expanded = expandReplacement(replacement, match, groups, count);
    length += expanded.length - (match[0] ?? '').length;
    grow(length, maxLength);
    return expanded;
  });
}

function grow<T extends string | number>(result: T, maxLength: number): T {
  const length: number = typeof result === 'string' ? result.length : (result as number);
  if (length > maxLength) throw new VtlProblem(`a string would grow past the limit of ${maxLength} characters`);
  return result;
}

/** `text.matches(pattern)`: the whole text must match. */
export function javaMatches(text: string, pattern: string): boolean {
  const entry = compiled(pattern);
  return bounded(entry, text, () => entry.whole.test(text));
}

/** `text.split(pattern, limit)` with Java's rules (`Pattern.split`) for leading and trailing empty strings. */
export function javaSplit(text: string, pattern: string, limit: number): string[] {
  const entry = compiled(pattern);
  entry.global.lastIndex = 0;
  return bounded(entry, text, () => splitAtMatches(text, entry.global, limit));
}

function splitAtMatches(text: string, regex: RegExp, limit: number): string[] {
  const parts: string[] = [];
  const limited = limit > 0;
  let index = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (start === end) regex.lastIndex = end + 1;
    if (!limited || parts.length < limit - 1) {
      // Java 8+: a zero-width match at the beginning never produces an empty leading string.
      if (index === 0 && start === 0 && end === 0) continue;
      parts.push(text.slice(index, start));
      index = end;
    } else if (parts.length === limit - 1) {
      parts.push(text.slice(index));
      index = end;
    }
  }
  if (index === 0) return [text];
  if (!limited || parts.length < limit) parts.push(text.slice(index));
  if (limit === 0) while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts;
}

interface CompiledPattern {
  pattern: string;
  global: RegExp;
  whole: RegExp;
  /** Whether it may backtrack, and so runs within a time limit. */
  backtracks: boolean;
}

/** Runs `work` (applying `entry` to `text`) as it is, or within the time limit when the pattern may backtrack. */
function bounded<T>(entry: CompiledPattern, text: string, work: () => T): T {
  return entry.backtracks ? withinPatternTimeLimit(`regular expression "${entry.pattern}"`, text.length, work) : work();
}

/** Compiled patterns by source; templates use a handful of literal patterns, so this stays small. */
const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 500;

function compiled(pattern: string): CompiledPattern {
  let entry = cache.get(pattern);
  if (!entry) {
    const { source, flags } = translate(pattern);
    try {
      entry = {
        pattern,
        global: new RegExp(source, `${flags}g`),
        whole: new RegExp(`(?<![\\s\\S])(?:${source})(?![\\s\\S])`, flags),
        backtracks: mayBacktrack(pattern),
      };
    } catch (error) {
      throw new VtlProblem(
        `"${pattern}" is not a regular expression this gateway can run: ${(error as Error).message}`,
      );
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, entry);
  }
  return entry;
}

const groupCounts = new WeakMap<RegExp, number>();

function groupCount(regex: RegExp): number {
  let count = groupCounts.get(regex);
  if (count === undefined) {
    count = (new RegExp(`${regex.source}|`).exec('')?.length ?? 1) - 1;
    groupCounts.set(regex, count);
  }
  return count;
}

/** Java's `$` without MULTILINE: the end, or before a line terminator that ends the input. */
const JAVA_END = '(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?(?![\\s\\S]))';
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';

function translate(pattern: string): { source: string; flags: string } {
  const unsupported = (what: string): never => {
    throw new VtlProblem(`regular expression "${pattern}" uses ${what}, which this gateway does not support`);
  };
  let flags = '';
  let position = 0;
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (leading) {
    for (const flag of leading[1] ?? '') {
      if (flag === 'i' || flag === 'm' || flag === 's') {
        if (!flags.includes(flag)) flags += flag;
      } else {
        unsupported(`the inline flag (?${flag})`);
      }
    }
    position = leading[0].length;
  }
  let out = '';
  let lastWasQuantifier = false;
  while (position < pattern.length) {
    const char = pattern[position] as string;
    if (char === '\\') {
      const next = pattern[position + 1];
      if (next === undefined) unsupported('a trailing backslash');
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', position + 2);
        const literal = pattern.slice(position + 2, end === -1 ? pattern.length : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        position = end === -1 ? pattern.length : end + 2;
      } else {
        out += translateEscape(next as string, false, unsupported);
        position += 2;
      }
      lastWasQuantifier = false;
      continue;
    }
    if (char === '[') {
      const { text, end } = translateClass(pattern, position, unsupported);
      out += text;
      position = end;
      lastWasQuantifier = false;
      continue;
    }
    if (char === '(' && pattern[position + 1] === '?') {
      const kind = pattern[position + 2];
      const isLookbehind = kind === '<' && (pattern[position + 3] === '=' || pattern[position + 3] === '!');
      const isNamed = kind === '<' && !isLookbehind;
      if (kind === '>') unsupported('an atomic group (?>...)');
      if (!(kind === ':' || kind === '=' || kind === '!' || isLookbehind || isNamed)) unsupported('inline flags');
    }
    if (char === '+' && lastWasQuantifier) unsupported('a possessive quantifier');
    if (char === '$') {
      out += flags.includes('m') ? '$' : JAVA_END;
      position++;
      lastWasQuantifier = false;
      continue;
    }
    lastWasQuantifier = char === '*' || char === '+' || char === '?' || char === '}';
    if (char === '?' && out.length > 0 && /[*+?}]$/.test(out)) lastWasQuantifier = false;
    out += char;
    position++;
  }
  return { source: out, flags };
}

function translateEscape(next: string, inClass: boolean, unsupported: (what: string) => never): string {
  switch (next) {
    case 's':
      return inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
    case 'S':
      return inClass ? unsupported('\\S inside a character class') : `[^${JAVA_SPACE}]`;
    case 'A':
      return inClass ? unsupported('\\A inside a character class') : '(?<![\\s\\S])';
    case 'z':
      return inClass ? unsupported('\\z inside a character class') : '(?![\\s\\S])';
    case 'Z':
      return inClass ? unsupported('\\Z inside a character class') : JAVA_END;
    case 'e':
      return '\\x1B';
    case 'a':
      return '\\x07';
    case 'p':
    case 'P':
      return unsupported(`the character property \\${next}{...}`);
    case 'h':
    case 'H':
    case 'v':
    case 'V':
    case 'R':
    case 'X':
    case 'G':
    case 'E':
      return unsupported(`\\${next}`);
    default:
      if (/[0-9]/.test(next) && (inClass || next === '0')) return unsupported(`the octal escape \\${next}`);
      return `\\${next}`;
  }
}

function translateClass(
  pattern: string,
  start: number,
  unsupported: (what: string) => never,
): { text: string; end: number } {
  let position = start + 1;
  let text = '[';
  if (pattern[position] === '^') {
    text += '^';
    position++;
  }
  let first = true;
  for (;;) {
    const char = pattern[position];
    if (char === undefined) return unsupported('a character class without a closing ]');
    if (char === ']' && !first) return { text: `${text}]`, end: position + 1 };
    if (char === '[') unsupported('a nested character class');
    if (char === '&' && pattern[position + 1] === '&') unsupported('a character class intersection (&&)');
    if (char === '\\') {
      const next = pattern[position + 1];
      if (next === undefined) unsupported('a trailing backslash');
      text += translateEscape(next as string, true, unsupported);
      position += 2;
    } else {
      text += char === ']' ? '\\]' : char;
      position++;
    }
    first = false;
  }
}

/**
 * Expands a Java replacement string for one match: `$n` (the longest group number that
 * exists), `${name}`, and `\x` for a literal `x`. Errors as Java's `Matcher` reports them.
 */
function expandReplacement(
  replacement: string,
  match: ArrayLike<string | undefined>,
  groups: Record<string, string | undefined> | undefined,
  count: number,
): string {
  let out = '';
  let position = 0;
  while (position < replacement.length) {
    const char = replacement[position] as string;
    if (char === '\\') {
      position++;
      if (position >= replacement.length) throw new VtlProblem('replacement string ends with a lone backslash');
      out += replacement[position];
      position++;
      continue;
    }
    if (char !== '$') {
      out += char;
      position++;
      continue;
    }
    position++;
    const next = replacement[position];
    if (next === '{') {
      const close = replacement.indexOf('}', position);
      const name = close === -1 ? '' : replacement.slice(position + 1, close);
      if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name) || !groups || !Object.hasOwn(groups, name)) {
        throw new VtlProblem(`replacement string names no group: \${${name}}`);
      }
      out += groups[name] ?? '';
      position = close + 1;
      continue;
    }
    if (next === undefined || !/[0-9]/.test(next)) {
      throw new VtlProblem(
        'replacement string has an illegal group reference ($ must be followed by a group number; write \\$ for a dollar sign)',
      );
    }
    let group = Number(next);
    position++;
    while (position < replacement.length && /[0-9]/.test(replacement[position] as string)) {
      const longer = group * 10 + Number(replacement[position]);
      if (longer > count) break;
      group = longer;
      position++;
    }
    if (group > count)
      throw new VtlProblem(`replacement string refers to group ${group}, but the pattern has ${count}`);
    out += match[group] ?? '';
  }
  return out;
}
