/**
 * The message text rules (src/domain/text.ts) as properties over generated
 * text (fast-check), plus the cases that motivated them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChatError } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import { normalizeMessageText } from '../src/domain/text.ts';

/** The code of the ChatError `normalizeMessageText` throws, or `'ok'`. */
function outcome(text: string): string {
  try {
    normalizeMessageText(text);
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof ChatError, `not a ChatError: ${String(error)}`);
    return error.code;
  }
}

const invisibles = [
  ' ',
  '\t',
  '\n',
  '\u00a0', // no-break space
  '\u00ad', // soft hyphen
  '\u034f', // combining grapheme joiner
  '\u115f', // Hangul choseong filler
  '\u180e', // Mongolian vowel separator
  '\u2000',
  '\u200b', // zero-width space
  '\u200c', // zero-width non-joiner
  '\u200d', // zero-width joiner
  '\u200e', // left-to-right mark
  '\u200f', // right-to-left mark
  '\u2028', // line separator
  '\u2060', // word joiner
  '\u2800', // Braille blank
  '\u3000', // ideographic space
  '\u3164', // Hangul filler
  '\ufe0f', // variation selector 16
  '\ufeff', // byte order mark
  '\u{e0061}', // tag letter a
];
const bidiControls = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const marks = ['\u0301', '\u0308', '\u0323', '\u0361', '\u20e3', '\u05b8', '\u0e49'];
const visibleChars = ['a', 'Z', '7', 'é', 'ß', 'ש', 'ع', '字', '😀', '👍🏽', '.', '€', '\u{1f1eb}\u{1f1f7}'];

const invisibleText = fc.array(fc.constantFrom(...invisibles), { minLength: 0, maxLength: 40 }).map((a) => a.join(''));
/** Invisible characters that are not marks (a mark after a character counts towards its marks). */
const spacing = fc
  .array(fc.constantFrom(...invisibles.filter((char) => !/\p{M}/u.test(char))), { maxLength: 10 })
  .map((a) => a.join(''));
const visibleChar = fc.constantFrom(...visibleChars);
const markRun = (max: number) =>
  fc.array(fc.constantFrom(...marks), { minLength: 0, maxLength: max }).map((a) => a.join(''));
/** Text with at least one visible character, no bidi controls, and at most the allowed marks per character. */
const fineText = fc
  .array(fc.tuple(spacing, visibleChar, markRun(ChatLimits.combiningMarksMax)), { minLength: 1, maxLength: 20 })
  .map((parts) => parts.map(([space, char, pile]) => `${space}${char}${pile}`).join(''));

describe('message text', () => {
  it('refuses text with no visible character as EMPTY_MESSAGE', () => {
    fc.assert(fc.property(invisibleText, (text) => outcome(text) === 'EMPTY_MESSAGE'));
    fc.assert(fc.property(invisibleText, markRun(3), (text, pile) => outcome(`${text}${pile}`) === 'EMPTY_MESSAGE'));
  });

  it('accepts text with a visible character, unchanged but for trimming, and is idempotent', () => {
    fc.assert(
      fc.property(fineText, (text) => {
        const stored = normalizeMessageText(text);
        assert.equal(stored, text.trim());
        assert.equal(normalizeMessageText(stored), stored);
      }),
    );
  });

  it('refuses bidi overrides, embeddings and isolates anywhere as UNSAFE_TEXT', () => {
    fc.assert(
      fc.property(fineText, fc.constantFrom(...bidiControls), fc.nat(), (text, control, at) => {
        const cut = at % (text.length + 1);
        return outcome(`x${text.slice(0, cut)}${control}${text.slice(cut)}`) === 'UNSAFE_TEXT';
      }),
    );
    assert.equal(outcome('invoice\u202efdp.exe'), 'UNSAFE_TEXT');
    assert.equal(outcome('abc\u202etxt.exe'), 'UNSAFE_TEXT');
    // Marks reorder nothing and stay.
    assert.equal(normalizeMessageText('שלום \u200fabc'), 'שלום \u200fabc');
  });

  it('caps combining marks per character', () => {
    const most = ChatLimits.combiningMarksMax;
    fc.assert(
      fc.property(
        fineText,
        fc.array(fc.constantFrom(...marks), { minLength: most + 1, maxLength: 300 }),
        (text, pile) => {
          return outcome(`${text}a${pile.join('')}`) === 'UNSAFE_TEXT';
        },
      ),
    );
    assert.equal(outcome(`a${'\u0301'.repeat(most)}`), 'ok');
    // Real text stacks a few: Vietnamese, Hebrew with points, a keycap emoji.
    for (const text of ['Tiếng Việt', 'בְּרֵאשִׁית', '1\ufe0f\u20e3']) assert.equal(outcome(text), 'ok', text);
  });

  it('answers any input with the stored text or a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const result = outcome(text);
        assert.ok(['ok', 'EMPTY_MESSAGE', 'UNSAFE_TEXT', 'MESSAGE_TOO_LONG'].includes(result), result);
      }),
    );
  });

  it('removes control characters but tab and newline, the C1 ones too', () => {
    // U+0085 is a line break to some, U+009B starts an escape sequence in a terminal.
    assert.equal(
      normalizeMessageText('red\u009b31m alert\u0085next\u0080\u009f\u0007 done\ttab\nline'),
      'red31m alertnext done\ttab\nline',
    );
    fc.assert(
      fc.property(fineText, fc.integer({ min: 0x80, max: 0x9f }), fc.nat(), (text, code, at) => {
        const cut = at % (text.length + 1);
        const control = String.fromCharCode(code);
        assert.equal(
          normalizeMessageText(`${text.slice(0, cut)}${control}${text.slice(cut)}`),
          normalizeMessageText(text),
        );
      }),
    );
  });

  it('counts the length in code points after trimming', () => {
    const emoji = '😀'.repeat(ChatLimits.messageMaxLength);
    assert.equal(outcome(`  ${emoji}  `), 'ok');
    assert.equal(outcome(`${emoji}a`), 'MESSAGE_TOO_LONG');
  });
});
