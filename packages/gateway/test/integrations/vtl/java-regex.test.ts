/** Java's regex behaviour on JavaScript's engine: the cases where the two differ. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatternTimeLimitError } from '../../../src/errors.ts';
import { javaMatches, javaReplace, javaSplit } from '../../../src/integrations/vtl/java-regex.ts';
import { VtlProblem } from '../../../src/integrations/vtl/values.ts';

const MAX = 1_000_000;

describe('javaSplit', () => {
  it('follows String.split for empty leading and trailing strings and limits', () => {
    const cases: Array<[string, string, number, string[]]> = [
      ['a,b,,', ',', 0, ['a', 'b']],
      ['a,b,,', ',', -1, ['a', 'b', '', '']],
      [',a', ',', 0, ['', 'a']],
      [',', ',', 0, []],
      ['', ',', 0, ['']],
      ['abc', '', 0, ['a', 'b', 'c']],
      ['a1b22c', '\\d+', 0, ['a', 'b', 'c']],
      ['a,b,c', ',', 2, ['a', 'b,c']],
      ['a,b,c', ',', 1, ['a,b,c']],
      ['no match', ',', 0, ['no match']],
    ];
    for (const [text, pattern, limit, expected] of cases) {
      assert.deepEqual(javaSplit(text, pattern, limit), expected, `"${text}".split("${pattern}", ${limit})`);
    }
  });
});

describe('javaReplace', () => {
  it('expands $n, ${name} and \\ escapes as Matcher.appendReplacement does', () => {
    assert.equal(javaReplace('2024-01-31', '(\\d+)-(\\d+)-(\\d+)', '$3.$2.$1', true, MAX), '31.01.2024');
    assert.equal(javaReplace('ab', '(?<first>a)', '[${first}]', true, MAX), '[a]b');
    assert.equal(javaReplace('a', 'a', '\\$1\\\\', true, MAX), '$1\\');
    assert.equal(javaReplace('a', '(a)', '$11', true, MAX), 'a1');
    assert.equal(javaReplace('aaa', 'a', 'b', false, MAX), 'baa');
    assert.equal(javaReplace('abc', 'x*', '-', true, MAX), '-a-b-c-');
  });

  it("translates Java's $ (also before a final line break), \\s (ASCII only), \\Q..\\E and leading flags", () => {
    assert.equal(javaReplace('ab\n', 'b$', 'X', true, MAX), 'aX\n');
    assert.equal(javaReplace('a\u00a0b c', '\\s', '_', true, MAX), 'a\u00a0b_c');
    assert.equal(javaReplace('a.b', '\\Q.\\E', '!', true, MAX), 'a!b');
    assert.equal(javaReplace('ABC', '(?i)b', 'x', true, MAX), 'AxC');
    assert.equal(javaMatches('abc\n', 'abc$'), false);
    assert.equal(javaMatches('2024', '\\d{4}'), true);
  });

  it('refuses what it cannot reproduce, and bad replacements, with a VtlProblem', () => {
    for (const [pattern, replacement] of [
      ['a++', 'x'],
      ['(?>a)', 'x'],
      ['[a-z&&[^b]]', 'x'],
      ['\\p{Alpha}', 'x'],
      ['a(?i)b', 'x'],
      ['a', '$'],
      ['a', '$x'],
      ['a', '\\'],
      ['(a)', '$2'],
      ['(', 'x'],
    ] as const) {
      assert.throws(
        () => javaReplace('ab', pattern, replacement, true, MAX),
        VtlProblem,
        `${pattern} -> ${replacement}`,
      );
    }
  });

  it('refuses to grow a string past the limit', () => {
    assert.throws(() => javaReplace('a'.repeat(100), 'a', 'bbbb', true, 300), /past the limit of 300/);
  });
});

describe('a pattern that backtracks', () => {
  it('is stopped past its time limit in matches, replaceAll, replaceFirst and split', () => {
    const text = `${'a'.repeat(40)}!`;
    const calls: Array<[string, () => unknown]> = [
      ['matches', () => javaMatches(text, '(a+)+b')],
      ['replaceAll', () => javaReplace(text, '(a|aa)+$', 'x', true, MAX)],
      ['replaceFirst', () => javaReplace(text, '(a|aa)+$', 'x', false, MAX)],
      ['split', () => javaSplit(text, '(a*)*b', 0)],
    ];
    for (const [name, call] of calls) {
      assert.throws(call, PatternTimeLimitError, name);
    }
  });

  it('still runs to the end where it does not', () => {
    assert.equal(javaReplace('a  b \t c', '\\s+', ' ', true, MAX), 'a b c');
    assert.equal(javaMatches('aaab', '(a+)+b'), true);
  });
});
