/**
 * The time limit on an app's regular expressions: which patterns may backtrack (a
 * property test over patterns built from parts), and the watchdog that stops one
 * past its allowance while letting the work's own results and errors through.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayErrorCode, PatternTimeLimitError } from '../../src/errors.ts';
import { mayBacktrack, patternTimeLimitMs, withinPatternTimeLimit } from '../../src/limits/pattern-time-limit.ts';

/** A pattern as parts, and whether any part repeats a varying number of times. */
interface BuiltPattern {
  source: string;
  varies: boolean;
}

const FIXED_QUANTIFIERS = ['', '{3}', '{12}'];
const VARYING_QUANTIFIERS = ['*', '+', '?', '*?', '+?', '??', '{2,}', '{1,4}', '{0,1}'];

/** Atoms with no quantifier of their own, including escaped and in-class quantifier characters. */
const atom = fc.constantFrom(
  'a',
  'Z',
  '.',
  '\\d',
  '\\*',
  '\\+',
  '\\?',
  '\\{',
  '\\(',
  '[*+?{]',
  '[^a-z]',
  '[\\]*]',
  ',',
);

const pattern: fc.Arbitrary<BuiltPattern> = fc.letrec<{ piece: BuiltPattern; sequence: BuiltPattern }>((tie) => ({
  piece: fc
    .tuple(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom.map((source) => ({ source, varies: false })),
        fc
          .tuple(fc.constantFrom('(', '(?:', '(?=', '(?!'), tie('sequence'), fc.boolean())
          .map(([open, inner, alternative]) => ({
            source: `${open}${inner.source}${alternative ? '|b' : ''})`,
            varies: inner.varies,
          })),
      ),
      fc.oneof(
        fc.constantFrom(...FIXED_QUANTIFIERS).map((quantifier) => ({ quantifier, varies: false })),
        fc.constantFrom(...VARYING_QUANTIFIERS).map((quantifier) => ({ quantifier, varies: true })),
      ),
    )
    .map(([inner, { quantifier, varies }]) => ({ source: inner.source + quantifier, varies: inner.varies || varies })),
  sequence: fc
    .array(tie('piece'), { minLength: 1, maxLength: 4 })
    .map((pieces) => ({ source: pieces.map((p) => p.source).join(''), varies: pieces.some((p) => p.varies) })),
})).sequence;

describe('mayBacktrack', () => {
  it('is true exactly when some part repeats a varying number of times', () => {
    fc.assert(
      fc.property(pattern, ({ source, varies }) => {
        assert.doesNotThrow(() => new RegExp(source), source);
        assert.equal(mayBacktrack(source), varies, source);
      }),
      { numRuns: 2000 },
    );
  });

  it('counts a quantifier character inside \\Q...\\E (errs towards yes) and a literal { as a quantifier', () => {
    assert.equal(mayBacktrack('\\Q*\\E'), true);
    assert.equal(mayBacktrack('a{'), true);
    assert.equal(mayBacktrack('2\\d{2}'), false);
    assert.equal(mayBacktrack('(?<year>\\d{4})-(?<month>\\d\\d)'), false);
  });
});

describe('withinPatternTimeLimit', () => {
  it('stops a pattern that backtracks past its allowance with PatternTimeLimitError', () => {
    const text = 'a'.repeat(40);
    const regex = /^(a+)+b$/;
    assert.throws(
      () => withinPatternTimeLimit('regular expression "(a+)+b"', text.length, () => regex.test(text)),
      (error: unknown) => {
        assert.ok(error instanceof PatternTimeLimitError);
        assert.equal(error.code, GatewayErrorCode.patternTimeLimit);
        assert.equal(error.limitMs, patternTimeLimitMs(40));
        assert.equal(error.textLength, 40);
        assert.match(
          error.message,
          /^regular expression "\(a\+\)\+b" was stopped after 101 ms on a text of 40 characters/,
        );
        return true;
      },
    );
    // The engine is usable again at once.
    assert.equal(
      withinPatternTimeLimit('regular expression "(a+)+b"', 5, () => regex.test('aaaab')),
      true,
    );
  });

  it("passes the work's result and its own errors through unchanged", () => {
    assert.deepEqual(
      withinPatternTimeLimit('x', 3, () => 'a,b,c'.split(/,\s*/)),
      ['a', 'b', 'c'],
    );
    const own = new TypeError('from the work');
    assert.throws(
      () =>
        withinPatternTimeLimit('x', 3, () => {
          throw own;
        }),
      (error) => error === own,
    );
  });

  it('runs once more a pattern stopped while the process was not running, and stops one that never ends', () => {
    // A thread that waits uses its wall-clock allowance but no CPU time, as a process the machine did not run.
    const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    let runs = 0;
    const result = withinPatternTimeLimit('x', 3, () => {
      if (++runs === 1) pause(patternTimeLimitMs(3) + 50);
      return 'a,b'.split(',');
    });
    assert.deepEqual(result, ['a', 'b']);
    assert.equal(runs, 2);
    // Paused again on the second run too: stopped, not run a third time.
    runs = 0;
    assert.throws(
      () =>
        withinPatternTimeLimit('x', 3, () => {
          runs++;
          pause(patternTimeLimitMs(3) + 50);
        }),
      PatternTimeLimitError,
    );
    assert.equal(runs, 2);
  });

  it('allows 100 ms plus 100 ms per MiB of text', () => {
    assert.equal(patternTimeLimitMs(0), 100);
    assert.equal(patternTimeLimitMs(128 * 1024), 113);
    assert.equal(patternTimeLimitMs(10 * 1024 * 1024), 1100);
  });
});
