/**
 * Methods on numbers and booleans: `intValue()`, `doubleValue()`, `compareTo()`, and the
 * static parsers Velocity lets templates call on an instance (`$zero.parseInt("12")`).
 */
import { notReproduced } from './method-support.ts';
import { javaTrim } from './string-methods.ts';
import type { VtlValue } from './values.ts';
import { javaClassName, javaEquals, toText, VtlProblem } from './values.ts';

const INTEGER = /^[+-]?\d+$/;

function parseInteger(text: VtlValue | undefined, bits: 32 | 64): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  if (!INTEGER.test(text)) throw new VtlProblem(`For input string: "${text}" (not an integer)`);
  const value = BigInt(text);
  if (value !== BigInt.asIntN(bits, value)) throw new VtlProblem(`For input string: "${text}" (out of range)`);
  return value;
}

const DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** Java's `Double.parseDouble`: surrounding blanks are ignored, a `d`/`f` suffix is allowed. */
function parseDouble(text: VtlValue | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const trimmed = javaTrim(text);
  if (!DECIMAL.test(trimmed)) throw new VtlProblem(`For input string: "${text}" (not a number)`);
  return Number(trimmed.replace(/[fFdD]$/, ''));
}

const NUMBER_NOT_REPRODUCED = new Set([
  'byteValue',
  'shortValue',
  'floatValue',
  'hashCode',
  'toHexString',
  'toBinaryString',
  'toOctalString',
  'signum',
  'bitCount',
  'reverse',
  'max',
  'min',
  'sum',
  'decode',
]);

function compareNumbers(left: bigint | number, right: bigint | number): bigint {
  return left < right ? -1n : left > right ? 1n : 0n;
}

export function integerMethod(value: bigint, name: string, args: VtlValue[]): VtlValue | undefined {
  const [first] = args;
  switch (`${name}/${args.length}`) {
    case 'intValue/0':
      return BigInt.asIntN(32, value);
    case 'longValue/0':
      return BigInt.asIntN(64, value);
    case 'doubleValue/0':
      return Number(value);
    case 'toString/0':
      return String(value);
    case 'equals/1':
      return javaEquals(value, first ?? null);
    case 'compareTo/1':
      return typeof first === 'bigint' ? compareNumbers(value, first) : undefined;
    case 'parseInt/1':
      return parseInteger(first, 32);
    case 'parseLong/1':
    case 'valueOf/1':
      return parseInteger(first, value === BigInt.asIntN(32, value) ? 32 : 64);
  }
  if (NUMBER_NOT_REPRODUCED.has(name)) notReproduced(javaClassName(value), name);
  return undefined;
}

/** Java's `(int)` / `(long)` cast of a double: truncation, NaN is 0, out-of-range values saturate. */
function castDouble(value: number, bits: 32 | 64): bigint {
  if (Number.isNaN(value)) return 0n;
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -(1n << BigInt(bits - 1));
  if (value === Number.POSITIVE_INFINITY) return max;
  if (value === Number.NEGATIVE_INFINITY) return min;
  const truncated = BigInt(Math.trunc(value));
  return truncated > max ? max : truncated < min ? min : truncated;
}

export function doubleMethod(value: number, name: string, args: VtlValue[]): VtlValue | undefined {
  const [first] = args;
  switch (`${name}/${args.length}`) {
    case 'intValue/0':
      return castDouble(value, 32);
    case 'longValue/0':
      return castDouble(value, 64);
    case 'doubleValue/0':
      return value;
    case 'toString/0':
      return toText(value);
    case 'equals/1':
      return javaEquals(value, first ?? null);
    case 'compareTo/1':
      return typeof first === 'number' ? compareNumbers(value, first) : undefined;
    case 'isNaN/0':
      return Number.isNaN(value);
    case 'isInfinite/0':
      return value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY;
    case 'parseDouble/1':
    case 'valueOf/1':
      return parseDouble(first);
  }
  if (NUMBER_NOT_REPRODUCED.has(name)) notReproduced('java.lang.Double', name);
  return undefined;
}

export function booleanMethod(value: boolean, name: string, args: VtlValue[]): VtlValue | undefined {
  const [first] = args;
  switch (`${name}/${args.length}`) {
    case 'booleanValue/0':
      return value;
    case 'toString/0':
      return String(value);
    case 'equals/1':
      return javaEquals(value, first ?? null);
    case 'parseBoolean/1':
    case 'valueOf/1':
      return typeof first === 'string' ? first.toLowerCase() === 'true' : undefined;
  }
  return undefined;
}
