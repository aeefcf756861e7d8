/**
 * The formatting a message may use: a safe subset of Markdown (docs/formatting.md),
 * parsed by markdown-it into tokens that formatted-text.tsx turns into React
 * elements. Raw HTML is off (`<b>` stays text), and so is everything outside
 * the subset (headings, images, tables); links take only http, https and
 * mailto targets (`safeHref`), whatever markdown-it's own checks would allow.
 */
import MarkdownIt from 'markdown-it';
import Token from 'markdown-it/lib/token.mjs';

export type { Token };

/** URL schemes a link may have; anything else stays text. */
const allowedProtocols = new Set(['http:', 'https:', 'mailto:']);

/**
 * The link target if it is an absolute http, https or mailto URL, as the
 * browser will read it; `null` for anything else (relative, `javascript:`,
 * `data:`, unparseable).
 */
export function safeHref(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return allowedProtocols.has(url.protocol) ? url.href : null;
}

// `zero` enables nothing; the subset is switched on by name, so an upgrade that adds a rule adds nothing here.
// Indented code blocks stay off: in a chat, an indented line is just an indented line.
const parser = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, typographer: false });
parser.enable(['fence', 'blockquote', 'list']);
parser.enable(['newline', 'escape', 'backticks', 'emphasis', 'strikethrough', 'link', 'autolink', 'linkify']);
parser.validateLink = (url) => safeHref(url) !== null;

/**
 * How deep quotes and lists are read: the preset's `maxNesting` (20), which keeps
 * parsing and rendering them to little stack (its type declarations omit it).
 */
const maxNesting = (parser.options as { maxNesting: number }).maxNesting;

/**
 * The tokens of a message's text (markdown-it's block stream; inline tokens hold
 * their children). markdown-it does not read what lies inside a quote or list
 * nested `maxNesting` deep: it drops it, so a message could hide its words
 * (and a mention) behind `>` signs. Such a message is shown as typed instead,
 * one paragraph with only its inline formatting.
 */
export function parseMessage(text: string): Token[] {
  const blocks = parser.parse(text, {});
  if (!blocks.some(isCutByNesting)) return blocks;
  return [new Token('paragraph_open', 'p', 1), ...parser.parseInline(text, {}), new Token('paragraph_close', 'p', -1)];
}

/** A quote, list or item opened at the last level markdown-it reads: its content was not read. */
function isCutByNesting(token: Token): boolean {
  return token.nesting === 1 && token.type !== 'paragraph_open' && token.level >= maxNesting - 1;
}
