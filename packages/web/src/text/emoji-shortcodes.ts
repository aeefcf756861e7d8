/**
 * Emoji shortcodes (`:smile:`, `:+1:`), GitHub's names from emojibase-data.
 * The table (about 45 KB) is a chunk of its own, read the first time a message
 * is shown: until it arrives, shortcodes show as typed, then every message
 * shows its emoji. The stored text keeps the shortcode, so an edit starts from
 * what was typed.
 */
import { type LazyValue, lazyValue } from './lazy-value.ts';

/** Shortcode (without colons) -> emoji. */
export type ShortcodeTable = ReadonlyMap<string, string>;

/** emojibase's form: hexcode ("1F44D", "1F469-200D-1F4BB") -> one shortcode or several. */
export type ShortcodeData = Record<string, string | string[]>;

export function shortcodeTable(data: ShortcodeData): ShortcodeTable {
  const table = new Map<string, string>();
  for (const [hexcode, names] of Object.entries(data)) {
    const emoji = String.fromCodePoint(...hexcode.split('-').map((part) => Number.parseInt(part, 16)));
    for (const name of typeof names === 'string' ? [names] : names) table.set(name, emoji);
  }
  return table;
}

/** Shortcode names are short runs of these; the bound keeps a long run of colons cheap. */
const shortcodePattern = /:([a-z0-9_+-]{1,40}):/g;

/** `text` with every known shortcode replaced by its emoji (unknown ones stay as typed). */
export function replaceShortcodes(text: string, table: ShortcodeTable | null): string {
  if (table === null || !text.includes(':')) return text;
  return text.replace(shortcodePattern, (whole, name: string) => table.get(name) ?? whole);
}

/** The table, loaded the first time it is asked for. */
export const shortcodes: LazyValue<ShortcodeTable> = lazyValue(async () =>
  shortcodeTable((await import('emojibase-data/en/shortcodes/github.json')).default as ShortcodeData),
);
