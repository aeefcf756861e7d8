/**
 * Message text rules: 1 to `ChatLimits.messageMaxLength` code points after
 * trimming; control characters other than tab and newline are removed (they have
 * no visible meaning, and search snippets use two of them as highlight markers).
 */
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const controlCharacters = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function normalizeMessageText(input: string): string {
  const text = input.replace(/\r\n?/g, '\n').replace(controlCharacters, '').trim();
  if (text.length === 0) throw new ChatError('EMPTY_MESSAGE');
  if (codePointLength(text) > ChatLimits.messageMaxLength) throw new ChatError('MESSAGE_TOO_LONG');
  return text;
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}
