/**
 * JSON text to template values, typed as API Gateway's JSON reader types them: objects
 * become ordered maps, arrays JSON lists, integers `bigint` (Integer/Long/BigInteger,
 * never rounded: `12345678901234567890` stays exact) and numbers with a fraction or an
 * exponent `Double` (`1.0` stays `1.0`). A repeated key keeps its first position and its
 * last value, as a Java `LinkedHashMap` does. Strict RFC 8259 otherwise.
 */
import { SourceError } from './source-error.ts';
import type { VtlMapKey, VtlValue } from './values.ts';
import { VtlList, VtlMap } from './values.ts';

/** Text that is not JSON; `offset` is where it stops being JSON. */
export class JsonSyntaxError extends SourceError {}

/** Deeper nesting is refused rather than risking the stack on hostile input. */
export const MAX_JSON_DEPTH = 512;

/**
 * Longer integers are refused: converting one is quadratic, so a payload of one huge
 * number would stall the event loop, and no real payload carries one.
 */
export const MAX_INTEGER_DIGITS = 4096;

/** Parses JSON text into template values; throws JsonSyntaxError. */
export function parseJsonValue(text: string): VtlValue {
  const reader = new Reader(text);
  reader.skipWhitespace();
  const value = reader.value(0);
  reader.skipWhitespace();
  if (reader.position < text.length) reader.fail('unexpected text after the JSON value');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not contain raw control characters.
const PLAIN_STRING = /[^"\\\u0000-\u001f]*/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Reader {
  readonly #text: string;
  position = 0;

  constructor(text: string) {
    this.#text = text;
  }

  fail(message: string): never {
    throw new JsonSyntaxError(`${message} at offset ${this.position}`, this.position);
  }

  skipWhitespace(): void {
    const text = this.#text;
    while (this.position < text.length) {
      const char = text.charCodeAt(this.position);
      if (char !== 0x20 && char !== 0x0a && char !== 0x0d && char !== 0x09) return;
      this.position++;
    }
  }

  value(depth: number): VtlValue {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    const char = this.#text[this.position];
    switch (char) {
      case '{':
        return this.#object(depth);
      case '[':
        return this.#array(depth);
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      default:
        return this.#number();
    }
  }

  #literal(word: string, value: VtlValue): VtlValue {
    if (!this.#text.startsWith(word, this.position)) this.fail('invalid value');
    this.position += word.length;
    return value;
  }

  #number(): VtlValue {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.#text);
    if (!match) this.fail(this.position < this.#text.length ? 'invalid value' : 'unexpected end of text');
    if (match[1] !== undefined || match[2] !== undefined) {
      this.position = NUMBER.lastIndex;
      return Number(match[0]);
    }
    const digits = match[0].startsWith('-') ? match[0].length - 1 : match[0].length;
    if (digits > MAX_INTEGER_DIGITS) this.fail(`an integer longer than ${MAX_INTEGER_DIGITS} digits`);
    this.position = NUMBER.lastIndex;
    return BigInt(match[0]);
  }

  #string(): string {
    const text = this.#text;
    this.position++;
    let result = '';
    for (;;) {
      PLAIN_STRING.lastIndex = this.position;
      PLAIN_STRING.exec(text);
      result += text.slice(this.position, PLAIN_STRING.lastIndex);
      this.position = PLAIN_STRING.lastIndex;
      const char = text[this.position];
      if (char === '"') {
        this.position++;
        return result;
      }
      if (char !== '\\') this.fail(char === undefined ? 'unterminated string' : 'control character in a string');
      const escapeChar = text[this.position + 1] ?? '';
      if (escapeChar === 'u') {
        const hex = text.slice(this.position + 2, this.position + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
        result += String.fromCharCode(Number.parseInt(hex, 16));
        this.position += 6;
      } else {
        const unescaped = ESCAPES[escapeChar];
        if (unescaped === undefined) this.fail('invalid escape');
        result += unescaped;
        this.position += 2;
      }
    }
  }

  #array(depth: number): VtlList {
    const items: VtlValue[] = [];
    this.#members(']', () => items.push(this.value(depth + 1)));
    return new VtlList(items, 'json');
  }

  #object(depth: number): VtlMap {
    const entries = new Map<VtlMapKey, VtlValue>();
    this.#members('}', () => {
      if (this.#text[this.position] !== '"') this.fail('expected a property name');
      const key = this.#string();
      this.skipWhitespace();
      if (this.#text[this.position++] !== ':') this.#expected("':'");
      this.skipWhitespace();
      entries.set(key, this.value(depth + 1));
    });
    return new VtlMap(entries, 'json');
  }

  /** The comma-separated members of an array or object, from its opening bracket through `close`. */
  #members(close: string, member: () => void): void {
    this.position++;
    this.skipWhitespace();
    if (this.#text[this.position] === close) {
      this.position++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      member();
      this.skipWhitespace();
      const char = this.#text[this.position++];
      if (char === close) return;
      if (char !== ',') this.#expected(`',' or '${close}'`);
    }
  }

  #expected(what: string): never {
    this.position--;
    return this.fail(`expected ${what}`);
  }
}
