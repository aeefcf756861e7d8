/**
 * Property tests for the template engine: whatever the template text and the payload,
 * compiling and rendering either succeed or fail with TemplateError, never anything
 * else; text without template syntax comes out as it went in; the escaping and
 * encoding functions round-trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TemplateError } from '../../../src/errors.ts';
import { compileTemplate } from '../../../src/integrations/vtl/index.ts';
import { JsonSyntaxError, parseJsonValue } from '../../../src/integrations/vtl/json.ts';
import { UTIL_FUNCTIONS } from '../../../src/integrations/vtl/util-functions.ts';
import { toJsonText } from '../../../src/integrations/vtl/values.ts';
import { messageInput } from './fixtures.ts';

/** Pieces that make random text likely to hit every branch of the parser. */
const PIECES = [
  '$',
  '$!',
  '${',
  '}',
  '#',
  '##',
  '#*',
  '*#',
  '#[[',
  ']]#',
  '\\',
  '(',
  ')',
  '[',
  ']',
  '{',
  '.',
  ',',
  ':',
  '=',
  '"',
  "'",
  '..',
  '-',
  '+',
  '*',
  '/',
  '%',
  '!',
  '==',
  '<',
  '&&',
  '||',
  ' ',
  '\n',
  '\t',
  'a',
  'x1',
  '0',
  '7',
  '1.5',
  '-2',
  'é',
  '😀',
  '#if(',
  '#elseif(',
  '#else',
  '#end',
  '#set(',
  '#foreach(',
  ' in ',
  '#break',
  '#stop',
  '#{end}',
  '#macro(',
  '$x',
  '$input.body',
  "$input.json('$.a')",
  "$input.path('$')",
  '$input.params()',
  '$context.connectionId',
  '$util.escapeJavaScript(',
  '$util.parseJson(',
  '.size()',
  '.substring(',
  '.split(',
  '.replaceAll(',
  '$foreach.hasNext',
  '[1..3]',
  '{"k": 1}',
  'true',
  'not ',
  ' and ',
];

const templateText = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const payload = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 20 }));

function compileOrTemplateError(source: string) {
  try {
    return compileTemplate(source, 'property', { maxSteps: 10_000, maxOutputLength: 100_000 });
  } catch (error) {
    if (error instanceof TemplateError) return undefined;
    throw error;
  }
}

describe('template engine properties', () => {
  it('compiling and rendering any text fails with TemplateError or nothing', () => {
    fc.assert(
      fc.property(templateText, payload, (source, body) => {
        const template = compileOrTemplateError(source);
        if (!template) return;
        try {
          assert.equal(typeof template.render(messageInput(body)), 'string');
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('text without $, # or \\ renders as it is', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((text) => !/[$#\\]/.test(text)),
        (text) => {
          assert.equal(compileTemplate(text, 'property').render(messageInput('{}')), text);
        },
      ),
    );
  });

  it('#[[ ]]# renders any text that does not close it as it is', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes(']]#')),
        (text) => {
          assert.equal(compileTemplate(`#[[${text}]]#`, 'property').render(messageInput('{}')), text);
        },
      ),
    );
  });

  it('a single-quoted #set renders its text as it is', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const literal = text.replaceAll("'", "''");
        assert.equal(compileTemplate(`#set($v = '${literal}')$v`, 'property').render(messageInput('{}')), text);
      }),
    );
  });

  it('$util.escapeJavaScript, with AWS\'s replaceAll("\\\\\'","\'"), gives a JSON string of the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = UTIL_FUNCTIONS.escapeJavaScript(text).replaceAll("\\'", "'");
        assert.equal(JSON.parse(`"${escaped}"`), text);
        assert.match(escaped, /^[\x20-\x7e]*$/);
      }),
    );
  });

  it('urlDecode undoes urlEncode, base64Decode undoes base64Encode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        assert.equal(UTIL_FUNCTIONS.urlDecode(UTIL_FUNCTIONS.urlEncode(text)), text);
        assert.match(UTIL_FUNCTIONS.urlEncode(text), /^[a-zA-Z0-9.\-*_+%]*$/);
        assert.equal(UTIL_FUNCTIONS.base64Decode(UTIL_FUNCTIONS.base64Encode(text)), text);
      }),
    );
  });

  it('the JSON reader accepts exactly what JSON.parse accepts, and writes it back equal', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 12 })), (text) => {
        let expected: unknown;
        let valid = true;
        try {
          expected = JSON.parse(text);
        } catch {
          valid = false;
        }
        if (!valid) {
          assert.throws(() => parseJsonValue(text), JsonSyntaxError);
          return;
        }
        assert.deepEqual(JSON.parse(toJsonText(parseJsonValue(text))), expected);
      }),
    );
  });

  it('integer arithmetic is exact and truncates like Java, and division by zero leaves #set unchanged', () => {
    const integer = fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n });
    fc.assert(
      fc.property(integer, integer, fc.constantFrom('+', '-', '*', '/', '%'), (a, b, operator) => {
        const output = compileTemplate(`#set($r = "unchanged")#set($r = ${a} ${operator} ${b})$r`, 'property').render(
          messageInput('{}'),
        );
        const expected =
          operator === '+'
            ? a + b
            : operator === '-'
              ? a - b
              : operator === '*'
                ? a * b
                : b === 0n
                  ? 'unchanged'
                  : operator === '/'
                    ? a / b
                    : a % b;
        assert.equal(output, String(expected));
      }),
    );
  });
});
