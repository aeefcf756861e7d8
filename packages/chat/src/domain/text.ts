/**
 * Message text rules (docs/protocol.md, "Message text"):
 *
 * - Line breaks become `\n`; control characters other than tab and newline are
 *   removed, the C1 ones (U+0080-U+009F) too (they have no visible meaning, a
 *   terminal or log viewer reads U+009B as the start of an escape sequence, and
 *   search snippets use two of them as highlight markers); the text is trimmed.
 * - 1 to `ChatLimits.messageMaxLength` code points after that.
 * - At least one visible character: text made only of white space, format
 *   characters (zero-width spaces and joiners, soft hyphens, bidi marks), other
 *   default-ignorable characters (Hangul fillers, variation selectors), lone
 *   combining marks or the blank Braille pattern renders as an empty row, so it
 *   is refused (`EMPTY_MESSAGE`).
 * - No bidi embedding, override or isolate controls (U+202A-U+202E,
 *   U+2066-U+2069): they reorder what follows them, which disguises text
 *   (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`). They are refused
 *   (`UNSAFE_TEXT`) rather than stripped or balanced, because balancing keeps the
 *   reordering inside the message, and stripping changes what the sender wrote.
 *   The left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F,
 *   U+061C) stay: they reorder nothing, and right-to-left writers need them.
 * - At most `ChatLimits.combiningMarksMax` combining marks in a row on one
 *   character (real scripts stack a few; "Zalgo" text stacks hundreds that paint
 *   over the lines around it): more is refused (`UNSAFE_TEXT`).
 */
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A code point that renders as something: not white space, a format or other default-ignorable character, a mark, a control, or the blank Braille cell. */
const visible = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{M}\u2800]/u;

/** Explicit bidi embeddings, overrides and isolates (UAX #9, section 2). */
const bidiControls = /[\u202a-\u202e\u2066-\u2069]/;

/** More combining marks in a row than `ChatLimits.combiningMarksMax`. */
const markPile = new RegExp(`\\p{M}{${ChatLimits.combiningMarksMax + 1},}`, 'u');

/** The text as stored, or a `ChatError`: EMPTY_MESSAGE, MESSAGE_TOO_LONG, UNSAFE_TEXT. */
export function normalizeMessageText(input: string): string {
  const text = input.replace(/\r\n?/g, '\n').replace(controlCharacters, '').trim();
  if (!visible.test(text)) throw new ChatError('EMPTY_MESSAGE');
  if (codePointLength(text) > ChatLimits.messageMaxLength) throw new ChatError('MESSAGE_TOO_LONG');
  return checkSafe(text);
}

/**
 * A room topic as stored: one line (line breaks and tabs become spaces), the
 * message rules otherwise; `null` when nothing visible is left (the topic is
 * cleared). Errors: TOPIC_TOO_LONG, UNSAFE_TEXT.
 */
export function normalizeTopic(input: string): string | null {
  const text = input
    .replace(/[\r\n\t]+/g, ' ')
    .replace(controlCharacters, '')
    .trim();
  if (!visible.test(text)) return null;
  if (codePointLength(text) > ChatLimits.topicMaxLength) throw new ChatError('TOPIC_TOO_LONG');
  return checkSafe(text);
}

/** The text, unless it holds bidi controls or a pile of combining marks (UNSAFE_TEXT). */
function checkSafe(text: string): string {
  if (bidiControls.test(text)) {
    throw new ChatError('UNSAFE_TEXT', 'Bidi override, embedding and isolate characters are not allowed.');
  }
  if (markPile.test(text)) {
    throw new ChatError(
      'UNSAFE_TEXT',
      `At most ${ChatLimits.combiningMarksMax} combining marks on one character are allowed.`,
    );
  }
  return text;
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}
