/**
 * `$util` in API Gateway mapping templates: exactly the six functions AWS documents
 * for it ("API Gateway mapping template and access logging variable reference",
 * `$util` variables). `$util.toJson`, `$util.qr` and the rest belong to AppSync, not
 * API Gateway, and are refused when the template is loaded.
 *
 * Each follows the Java function AWS names or implies: Apache Commons Lang
 * `escapeJavaScript`, `java.net.URLEncoder`/`URLDecoder` with UTF-8, and Base64 over the
 * UTF-8 bytes of the text.
 */
import { VtlProblem } from './values.ts';

export const UTIL_FUNCTIONS = {
  escapeJavaScript,
  urlEncode,
  urlDecode,
  base64Encode: (text: string) => javaUtf8(text).toString('base64'),
  base64Decode: (text: string) => Buffer.from(text, 'base64').toString('utf8'),
} as const;

export type UtilFunctionName = keyof typeof UTIL_FUNCTIONS | 'parseJson';

/**
 * JavaScript string escaping as `$util.escapeJavaScript` does it (Commons Lang rules):
 * quotes, backslash and `/` get a backslash, control characters their short or `\u00XX`
 * escapes, non-ASCII characters `\uXXXX`. A single quote becomes `\'`, which is not valid
 * JSON; AWS documents the same and suggests `.replaceAll("\\'","'")`.
 */
export function escapeJavaScript(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (code > 0x7f) out += `\\u${hex4(code)}`;
    else if (code < 0x20) out += SHORT_ESCAPES[char] ?? `\\u${hex4(code)}`;
    else if (char === "'" || char === '"' || char === '\\' || char === '/') out += `\\${char}`;
    else out += char;
  }
  return out;
}

const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r' };

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** `application/x-www-form-urlencoded` as Java's `URLEncoder`: space is `+`, only `a-zA-Z0-9.-*_` stay. */
export function urlEncode(text: string): string {
  let out = '';
  for (const byte of javaUtf8(text)) {
    const char = String.fromCharCode(byte);
    if (/[a-zA-Z0-9.\-*_]/.test(char)) out += char;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Java's `URLDecoder.decode(text, "UTF-8")`: `+` is a space, `%XX` runs are UTF-8 bytes
 * (malformed bytes become U+FFFD). A `%` without two hex digits is an error, as in Java.
 */
export function urlDecode(text: string): string {
  if (!text.includes('%')) return text.replaceAll('+', ' ');
  let out = '';
  let position = 0;
  while (position < text.length) {
    const char = text[position] as string;
    if (char !== '%') {
      out += char === '+' ? ' ' : char;
      position++;
      continue;
    }
    const bytes: number[] = [];
    while (text[position] === '%') {
      const hex = text.slice(position + 1, position + 3);
      if (hex.length < 2) throw new VtlProblem('$util.urlDecode: incomplete trailing escape (%) pattern');
      if (!/^[0-9a-fA-F]{2}$/.test(hex))
        throw new VtlProblem(`$util.urlDecode: illegal hex characters in escape (%) pattern "%${hex}"`);
      bytes.push(Number.parseInt(hex, 16));
      position += 3;
    }
    out += Buffer.from(bytes).toString('utf8');
  }
  return out;
}

/** UTF-8 bytes as Java's `String.getBytes(UTF_8)` makes them: a lone surrogate becomes `?`. */
export function javaUtf8(text: string): Buffer {
  return Buffer.from(text.replace(LONE_SURROGATE, '?'), 'utf8');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
