/**
 * Strings a client sends must be well-formed Unicode (src/api/well-formed.ts), as a
 * property over generated JSON values with lone surrogates among their strings and
 * keys. The refusals over a real server are in the protocol suite and chat-http.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { holdsIllFormedString } from '../src/api/well-formed.ts';

/** Whether any string of `value`, keys included, is not well-formed: the slow, plain answer. */
function expected(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, member]) => !key.isWellFormed() || expected(member));
}

describe('well-formed strings', () => {
  it('finds a lone surrogate wherever a parsed body holds one, and nothing else', () => {
    const text = fc.string({ unit: 'binary', maxLength: 6 });
    const values = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(text, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(values, (value) => {
        // JSON.stringify escapes a lone surrogate and writes a pair as it is, as clients do.
        const json = JSON.stringify(value);
        assert.equal(holdsIllFormedString(json, JSON.parse(json)), expected(value), json);
      }),
      { numRuns: 2000 },
    );
    // A pair written as escapes (Python's json.dumps does) is one character.
    assert.equal(holdsIllFormedString('{"text":"\\ud83d\\ude00"}', { text: '😀' }), false);
  });
});
