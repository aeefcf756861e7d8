/**
 * Bounds the time an app's regular expression may run on text a client sent.
 *
 * API Gateway evaluates a mapping template's Java regular expressions (`matches`,
 * `replaceAll`, `replaceFirst`, `split`), integration response keys and request
 * models' `pattern`s for one request at a time. Here they run on the event loop every
 * connection shares, on a backtracking engine: `(a+)+b` against forty `a`s would run
 * for hours, and the whole gateway with it. So:
 *
 *   pattern ─▶ may it backtrack? (a quantifier that matches a varying number of times)
 *                 no ─▶ runs as it is: its time is linear in the text
 *                 yes ─▶ runs under a watchdog (Node's `vm` timeout, which interrupts a
 *                        running regular expression); past its allowance it fails with
 *                        PatternTimeLimitError and the request fails, nothing else
 *
 * The watchdog costs a thread start (about 80 µs), paid only by patterns that may
 * backtrack. It counts wall-clock time, so a process the machine did not run for a
 * while (an overloaded host, a paused VM) would see a linear pattern stopped with its
 * work barely begun: a run stopped after less than half its allowance of CPU time is
 * run once more, while one that backtracks spends its allowance on the CPU and stays
 * stopped. The allowance grows with the text, as a linear pattern's time does: a
 * Java replacement of `\s+` over 10 MiB of JSON took 300 ms on a two-core machine,
 * so 100 ms plus 100 ms per MiB leaves three times that for the largest text a
 * template sees (a 10 MB integration response), while a client's message (128 KB
 * at most) can hold the loop for about 113 ms.
 */
import vm from 'node:vm';
import { PatternTimeLimitError } from '../errors.ts';

/** What a pattern that may backtrack is allowed on any text. */
export const PATTERN_TIME_BASE_MS = 100;
/** What it is allowed on top for each MiB of text. */
export const PATTERN_TIME_PER_MIB_MS = 100;

/** The allowance, in whole milliseconds, for a text of `textLength` characters. */
export function patternTimeLimitMs(textLength: number): number {
  return Math.ceil(PATTERN_TIME_BASE_MS + (PATTERN_TIME_PER_MIB_MS * textLength) / (1024 * 1024));
}

/**
 * Runs `work` (which applies a pattern to a text of `textLength` characters) within
 * the allowance for that text; throws PatternTimeLimitError naming `subject` (e.g.
 * `regular expression "(a+)+b"`) when it runs past it. What `work` throws passes through.
 *
 * @example
 * const matched = withinPatternTimeLimit('regular expression "(a+)+b"', text.length, () => regex.test(text));
 */
export function withinPatternTimeLimit<T>(subject: string, textLength: number, work: () => T): T {
  const limitMs = patternTimeLimitMs(textLength);
  watchdog.work = work;
  try {
    for (let attempt = 1; ; attempt++) {
      const cpuBefore = process.cpuUsage();
      try {
        return runWork.runInContext(watchdog, { timeout: limitMs }) as T;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
        const { user, system } = process.cpuUsage(cpuBefore);
        // Stopped while the process hardly ran: the wall clock, not the pattern, used the time.
        if (attempt === 1 && (user + system) / 1000 < limitMs / 2) continue;
        throw new PatternTimeLimitError(subject, limitMs, textLength);
      }
    }
  } finally {
    watchdog.work = undefined;
  }
}

/**
 * Whether `source` (Java or ECMAScript syntax) has a quantifier that matches a varying
 * number of times (`*`, `+`, `?`, `{n,}`, `{n,m}`): without one an engine has no choice
 * to go back on but alternatives, whose number the pattern alone bounds. Errs towards
 * yes: a quantifier character inside Java's `\Q...\E` counts.
 */
export function mayBacktrack(source: string): boolean {
  let afterGroupOpening = false;
  for (let index = 0; index < source.length; index++) {
    const char = source[index];
    const opensGroup = afterGroupOpening;
    afterGroupOpening = false;
    if (char === '\\') {
      index++;
    } else if (char === '[') {
      index = classEnd(source, index);
    } else if (char === '(') {
      afterGroupOpening = true;
    } else if (char === '*' || char === '+') {
      return true;
    } else if (char === '?') {
      // `(?:`, `(?=`, `(?<name>`: group syntax, not a quantifier.
      if (!opensGroup) return true;
    } else if (char === '{') {
      EXACT_REPETITION.lastIndex = index;
      if (!EXACT_REPETITION.test(source)) return true;
    }
  }
  return false;
}

/** `{n}`: a fixed number of times, no choice. */
const EXACT_REPETITION = /\{\d+\}/y;

/** The index of the `]` closing the class opened at `start` (or the end of `source`). */
function classEnd(source: string, start: number): number {
  let index = start + 1;
  while (index < source.length && source[index] !== ']') index += source[index] === '\\' ? 2 : 1;
  return index;
}

/** The context the watchdog's one-line script runs in; `work` is set for each call. */
const watchdog = vm.createContext({ work: undefined as (() => unknown) | undefined });
const runWork = new vm.Script('work()', { filename: 'pattern-time-limit' });
