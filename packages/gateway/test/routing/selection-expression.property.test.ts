/**
 * Property tests of the selection expression parser and evaluator (spec 2), which
 * read client-controlled bodies on every message: any text either compiles or is
 * refused with SB_ERR_SELECTION_EXPRESSION; a compiled expression evaluates any
 * JSON body to a string without throwing; a path selects exactly the value the
 * body holds there, and nothing the body does not hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GatewayError, GatewayErrorCode } from '../../src/errors.ts';
import { compileSelectionExpression } from '../../src/routing/selection-expression.ts';

/** Text made of the grammar's own pieces, so the parser's edges are reached often. */
const expressionLike = fc
  .array(
    fc.oneof(
      fc.constantFrom('$', '\\', '{', '}', '.', '[', ']', '0', '12', ' ', 'é', '${', '$request', '.body', 'request'),
      fc.constantFrom('$request.body', '${request.body', '${request.body.', '$request.body.', '}', '.action', '[3]'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(''));

/** A member name the grammar accepts in both forms (no `.`, `[`, `]`, `}`). */
const memberName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_ -]{0,7}$/);
const step = fc.oneof(memberName, fc.nat({ max: 4 }));

/** Builds a body holding `value` at `path` (arrays for index steps), with other members beside it. */
function bodyWith(path: (string | number)[], value: unknown): unknown {
  let current = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const segment = path[i] as string | number;
    if (typeof segment === 'number') {
      const array: unknown[] = Array.from({ length: segment + 2 }, (_, k) => `other${k}`);
      array[segment] = current;
      current = array;
    } else {
      current = { other: 'x', [segment]: current };
    }
  }
  return current;
}

function render(path: (string | number)[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('');
}

describe('selection expressions, as properties', () => {
  it('any text compiles, or is refused with SB_ERR_SELECTION_EXPRESSION', () => {
    fc.assert(
      fc.property(fc.oneof(expressionLike, fc.string()), fc.jsonValue(), (source, body) => {
        let expression: ReturnType<typeof compileSelectionExpression>;
        try {
          expression = compileSelectionExpression(source);
        } catch (error) {
          assert.ok(error instanceof GatewayError, String(error));
          assert.equal(error.code, GatewayErrorCode.selectionExpression);
          return;
        }
        assert.equal(typeof expression.evaluate(body), 'string');
      }),
      { numRuns: 2000 },
    );
  });

  it('$request.body.<path> selects the string the body holds at that path', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 5 }), fc.string(), (path, value) => {
        fc.pre(typeof path[0] === 'string');
        const body = bodyWith(path, value);
        assert.equal(compileSelectionExpression(`$request.body${render(path)}`).evaluate(body), value);
      }),
    );
  });

  it('${request.body.<path>} parts are replaced within the surrounding text', () => {
    const text = fc.string({ maxLength: 6 }).filter((part) => !part.includes('$') && !part.includes('\\'));
    fc.assert(
      fc.property(text, memberName, fc.integer(), text, (before, name, value, after) => {
        const expression = compileSelectionExpression(`${before}\${request.body.${name}}${after}`);
        assert.equal(expression.evaluate({ [name]: value }), `${before}${value}${after}`);
      }),
    );
  });

  it('selects nothing that the body does not hold: no prototype members, no array length', () => {
    const inherited = fc.constantFrom('constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'length');
    fc.assert(
      fc.property(fc.array(step, { maxLength: 3 }), inherited, fc.jsonValue(), (path, name, value) => {
        fc.pre(path.every((segment) => typeof segment !== 'string' || !['length', '__proto__'].includes(segment)));
        // The body holds `value` at `path`; the expression asks one step further, for an inherited name.
        const expression = compileSelectionExpression(`$request.body.root${render(path)}.${name}`);
        const body = bodyWith(['root', ...path], Array.isArray(value) ? value : [value]);
        assert.equal(expression.evaluate(body), '');
      }),
    );
  });

  it('static text and an escaped $ select themselves, without reading the body', () => {
    // Not a selection (`$`, `${`), and not an escape itself (`\$`, which selects `$` and the rest).
    const staticText = fc
      .string()
      .filter((text) => !text.startsWith('$') && !text.startsWith('\\$') && !text.includes('${'));
    fc.assert(
      fc.property(staticText, fc.jsonValue(), (text, body) => {
        const plain = compileSelectionExpression(text);
        assert.equal(plain.usesBody, false);
        assert.equal(plain.evaluate(body), text);
        assert.equal(compileSelectionExpression(`\\$${text}`).evaluate(body), `$${text}`);
      }),
    );
  });
});
