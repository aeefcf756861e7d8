/** `java.lang.String` methods on template strings, with Java's bounds, exceptions and rules. */
import { javaMatches, javaReplace, javaSplit } from './java-regex.ts';
import type { MethodLimits } from './method-support.ts';
import { int, notReproduced, str } from './method-support.ts';
import type { VtlValue } from './values.ts';
import { javaEquals, toText, VtlList, VtlProblem } from './values.ts';

const STRING_NOT_REPRODUCED = new Set([
  'codePointAt',
  'codePointBefore',
  'codePointCount',
  'offsetByCodePoints',
  'getChars',
  'getBytes',
  'contentEquals',
  'regionMatches',
  'format',
  'formatted',
  'intern',
  'chars',
  'codePoints',
  'lines',
  'indent',
  'stripIndent',
  'translateEscapes',
  'transform',
  'subSequence',
  'copyValueOf',
  'describeConstable',
  'resolveConstantDesc',
]);

export function stringMethod(text: string, name: string, args: VtlValue[], limits: MethodLimits): VtlValue | undefined {
  const [first, second] = args;
  switch (`${name}/${args.length}`) {
    case 'length/0':
      return BigInt(text.length);
    case 'isEmpty/0':
      return text.length === 0;
    case 'isBlank/0':
      return /^\s*$/.test(text);
    case 'toString/0':
    case 'intern/0':
      return text;
    case 'toLowerCase/0':
      return text.toLowerCase();
    case 'toUpperCase/0':
      return text.toUpperCase();
    case 'trim/0':
      return javaTrim(text);
    case 'strip/0':
      return text.replace(/^[^\S\u00A0\u2007\u202F]+|[^\S\u00A0\u2007\u202F]+$/g, '');
    case 'stripLeading/0':
      return text.replace(/^[^\S\u00A0\u2007\u202F]+/, '');
    case 'stripTrailing/0':
      return text.replace(/[^\S\u00A0\u2007\u202F]+$/, '');
    case 'charAt/1': {
      const index = int(first);
      if (index === undefined) return undefined;
      if (index < 0 || index >= text.length)
        throw new VtlProblem(`charAt(${index}): index out of range for length ${text.length}`);
      return text[index];
    }
    case 'substring/1':
    case 'substring/2': {
      const begin = int(first);
      const end = args.length === 2 ? int(second) : text.length;
      if (begin === undefined || end === undefined) return undefined;
      if (begin < 0 || end > text.length || begin > end) {
        throw new VtlProblem(
          `substring(${args.map((arg) => toText(arg)).join(', ')}): begin ${begin}, end ${end}, length ${text.length}`,
        );
      }
      return text.slice(begin, end);
    }
    case 'indexOf/1':
    case 'indexOf/2':
    case 'lastIndexOf/1':
    case 'lastIndexOf/2': {
      const needle = typeof first === 'bigint' ? codePointText(first) : str(first);
      const from = args.length === 2 ? int(second) : undefined;
      if (needle === undefined || (args.length === 2 && from === undefined)) return undefined;
      if (name === 'indexOf') return BigInt(text.indexOf(needle, Math.max(from ?? 0, 0)));
      if (from !== undefined && from < 0) return -1n;
      return BigInt(text.lastIndexOf(needle, from ?? Number.POSITIVE_INFINITY));
    }
    case 'contains/1':
      return str(first) === undefined ? undefined : text.includes(first as string);
    case 'startsWith/1':
      return str(first) === undefined ? undefined : text.startsWith(first as string);
    case 'startsWith/2': {
      const offset = int(second);
      if (str(first) === undefined || offset === undefined) return undefined;
      return offset >= 0 && offset <= text.length && text.startsWith(first as string, offset);
    }
    case 'endsWith/1':
      return str(first) === undefined ? undefined : text.endsWith(first as string);
    case 'equals/1':
      return javaEquals(text, first ?? null);
    case 'equalsIgnoreCase/1':
      return typeof first === 'string' && first.length === text.length && foldCase(first) === foldCase(text);
    case 'compareTo/1':
      return str(first) === undefined ? undefined : BigInt(compareStrings(text, first as string));
    case 'compareToIgnoreCase/1':
      return str(first) === undefined ? undefined : BigInt(compareStrings(foldCase(text), foldCase(first as string)));
    case 'concat/1':
      if (str(first) === undefined) return undefined;
      checkLength(text.length + (first as string).length, limits);
      return text + (first as string);
    case 'replace/2': {
      if (str(first) === undefined || str(second) === undefined) return undefined;
      const target = first as string;
      const replacement = second as string;
      const occurrences = target === '' ? text.length + 1 : text.split(target).length - 1;
      checkLength(text.length + occurrences * (replacement.length - target.length), limits);
      return text.replaceAll(target, () => replacement);
    }
    case 'replaceAll/2':
    case 'replaceFirst/2':
      if (str(first) === undefined || str(second) === undefined) return undefined;
      return javaReplace(text, first as string, second as string, name === 'replaceAll', limits.maxStringLength);
    case 'matches/1':
      return str(first) === undefined ? undefined : javaMatches(text, first as string);
    case 'split/1':
    case 'split/2': {
      const limit = args.length === 2 ? int(second) : 0;
      if (str(first) === undefined || limit === undefined) return undefined;
      return new VtlList(javaSplit(text, first as string, limit), 'array');
    }
    case 'toCharArray/0':
      return new VtlList(
        Array.from({ length: text.length }, (_, index) => text[index] as string),
        'array',
      );
    case 'hashCode/0': {
      let hash = 0;
      for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
      return BigInt(hash);
    }
    case 'repeat/1': {
      const count = int(first);
      if (count === undefined) return undefined;
      if (count < 0) throw new VtlProblem(`repeat(${count}): count is negative`);
      checkLength(text.length * count, limits);
      return text.repeat(count);
    }
    case 'valueOf/1':
      return first === null || first === undefined ? 'null' : toText(first);
  }
  if (name === 'join' && args.length >= 1 && typeof first === 'string') {
    const rest = args.slice(1);
    const elements = rest.length === 1 && rest[0] instanceof VtlList ? rest[0].items : rest;
    const joined = elements.map((element) => (element === null ? 'null' : toText(element))).join(first);
    checkLength(joined.length, limits);
    return joined;
  }
  if (STRING_NOT_REPRODUCED.has(name)) notReproduced('String', name);
  return undefined;
}

/** Java's `trim()`: removes every character up to U+0020 at both ends, and nothing else. */
export function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

function checkLength(length: number, limits: MethodLimits): void {
  if (length > limits.maxStringLength) {
    throw new VtlProblem(`a string would grow past the limit of ${limits.maxStringLength} characters`);
  }
}

function codePointText(code: bigint): string | undefined {
  return code >= 0n && code <= 0x10ffffn ? String.fromCodePoint(Number(code)) : undefined;
}

/** Java's case-insensitive comparison folds each character to upper and then lower case. */
function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/** Java's `String.compareTo`: the first differing UTF-16 unit, else the length difference. */
function compareStrings(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const difference = left.charCodeAt(index) - right.charCodeAt(index);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}
