/**
 * The values a mapping template works with, modelled on the Java objects API Gateway's
 * Velocity engine hands to templates, so that rendering, `==` and method calls behave
 * as they do there:
 *
 * | Java                                   | here                                  |
 * | -------------------------------------- | ------------------------------------- |
 * | `null`                                 | `null`                                |
 * | `String` (and `Character`)             | `string`                              |
 * | `Boolean`                              | `boolean`                             |
 * | `Integer`, `Long`, `BigInteger`        | `bigint` (Velocity widens on overflow, so the width never changes a result) |
 * | `Double`                               | `number`                              |
 * | `ArrayList` (a `[..]` literal)         | `VtlList` with origin `literal`: renders `[a, b]` |
 * | JSON array (json-smart `JSONArray`)    | `VtlList` with origin `json`: renders as JSON      |
 * | Java array (`split` results)           | `VtlList` with origin `array`: cannot be rendered  |
 * | `LinkedHashMap` (JSON object, literal) | `VtlMap`: renders `{a=1, b=x}`         |
 * | `$input`, `$util`, `$foreach`, ...     | `HostObject`                          |
 */

/** A value in a template. */
export type VtlValue = null | string | boolean | bigint | number | VtlList | VtlMap | HostObject;

/** The keys a map may have: Velocity map literals and JSON objects only produce these. */
export type VtlMapKey = null | string | boolean | bigint | number;

/** Where a list came from; it decides how the list renders (see the module comment). */
export type ListOrigin = 'literal' | 'json' | 'array';

export class VtlList {
  readonly items: VtlValue[];
  readonly origin: ListOrigin;

  constructor(items: VtlValue[], origin: ListOrigin) {
    this.items = items;
    this.origin = origin;
  }
}

/** Where a map came from; it only decides the class name `getClass()` reports. */
export type MapOrigin = 'literal' | 'json';

export class VtlMap {
  readonly entries: Map<VtlMapKey, VtlValue>;
  readonly origin: MapOrigin;

  constructor(entries: Map<VtlMapKey, VtlValue>, origin: MapOrigin) {
    this.entries = entries;
    this.origin = origin;
  }
}

/** An object with Java-style properties and methods, such as `$input` or `$foreach`. */
export interface HostObject {
  readonly kind: 'host';
  /** How templates name it, for errors, e.g. `$input`. */
  readonly hostName: string;
  /** `$x.name`: the value, or `undefined` when there is no such property. */
  property(name: string): VtlValue | undefined;
  /** `$x.name(args)`: the result, or `undefined` when there is no such method. */
  call(name: string, args: VtlValue[]): VtlValue | undefined;
  /** Its `toString()`, when rendering it is meaningful (a map entry renders `key=value`). */
  text?(): string;
}

/**
 * A problem found while evaluating (a Java exception on AWS, or something this gateway
 * does not reproduce). The evaluator adds the template name and position.
 */
export class VtlProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VtlProblem';
  }
}

/**
 * A Java bean as Velocity reads it: each property `x` answers `$b.x`, `$b.x()`,
 * `$b.getX()` and `$b.isX()`, e.g. `$e.key` and `$e.getKey()` on a map entry.
 */
export function beanHost(
  hostName: string,
  properties: Record<string, () => VtlValue>,
  text?: () => string,
): HostObject {
  const member = (name: string): VtlValue | undefined => {
    const accessor = /^(?:get|is)([A-Z])(.*)$/.exec(name);
    const property = accessor ? `${accessor[1]?.toLowerCase()}${accessor[2]}` : name;
    return Object.hasOwn(properties, property) ? properties[property]?.() : undefined;
  };
  const host: HostObject = {
    kind: 'host',
    hostName,
    property: member,
    call: (name, args) => (args.length === 0 ? member(name) : undefined),
  };
  if (text) host.text = text;
  return host;
}

/** A value as a map key: maps in this engine are keyed by strings, numbers, booleans and null. */
export function toMapKey(value: VtlValue | undefined): VtlMapKey {
  if (value === undefined) return null;
  if (typeof value === 'object' && value !== null) {
    throw new VtlProblem('map keys must be strings, numbers, booleans or null in this gateway');
  }
  return value;
}

export function isHost(value: VtlValue): value is HostObject {
  return typeof value === 'object' && value !== null && !(value instanceof VtlList) && !(value instanceof VtlMap);
}

export function isNumber(value: VtlValue): value is bigint | number {
  return typeof value === 'bigint' || typeof value === 'number';
}

/** Deeper nesting than this (a map that contains itself) is refused instead of overflowing the stack. */
const MAX_DEPTH = 1000;

/**
 * Java's `toString()` of a value, as `$x` renders it (`null` renders as nothing in API
 * Gateway, see the evaluator). Throws VtlProblem for values whose Java text is an object
 * identity (`[Ljava.lang.String;@1b6d3586`) that no template can rely on.
 */
export function toText(value: VtlValue, depth = 0): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return javaDouble(value);
  }
  if (depth > MAX_DEPTH)
    throw new VtlProblem(`a value nests deeper than ${MAX_DEPTH} levels (does a map contain itself?)`);
  if (value instanceof VtlList) {
    if (value.origin === 'json') return toJsonText(value, depth);
    if (value.origin === 'array') {
      throw new VtlProblem(
        'a Java array (e.g. a split() result) renders as an object identity on AWS; render its items',
      );
    }
    return `[${value.items.map((item) => toText(item, depth + 1)).join(', ')}]`;
  }
  if (value instanceof VtlMap) {
    const parts: string[] = [];
    for (const [key, item] of value.entries) parts.push(`${toText(key, depth + 1)}=${toText(item, depth + 1)}`);
    return `{${parts.join(', ')}}`;
  }
  if (value.text) return value.text();
  throw new VtlProblem(`${value.hostName} is an object that cannot be rendered; use one of its members`);
}

/** The compact JSON text of a value; doubles are written as Java writes them (`1.0`, `1.0E10`). */
export function toJsonText(value: VtlValue, depth = 0): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return Number.isFinite(value) ? javaDouble(value) : 'null';
  }
  if (depth > MAX_DEPTH)
    throw new VtlProblem(`a value nests deeper than ${MAX_DEPTH} levels (does a map contain itself?)`);
  if (value instanceof VtlList) return `[${value.items.map((item) => toJsonText(item, depth + 1)).join(',')}]`;
  if (value instanceof VtlMap) {
    const parts: string[] = [];
    for (const [key, item] of value.entries) {
      parts.push(`${JSON.stringify(typeof key === 'string' ? key : toText(key))}:${toJsonText(item, depth + 1)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(toText(value, depth));
}

/**
 * Java's `Double.toString`: plain notation with at least one fraction digit for
 * 10^-3 <= |d| < 10^7 (`1.0`, `0.001`), otherwise `1.0E7`, `1.234E-5`; the shortest
 * digits that round-trip, as JavaScript also picks them.
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  const [mantissa = '', exponentText = '0'] = magnitude.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const integer = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
      return `${sign}${integer}.${digits.slice(exponent + 1) || '0'}`;
    }
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

/** Java's `a.equals(b)`: numbers of different classes differ (`1` is not `1.0`), collections compare by content. */
export function javaEquals(left: VtlValue, right: VtlValue, depth = 0): boolean {
  if (left === null || right === null) return left === right;
  if (typeof left === 'number' && typeof right === 'number') return Object.is(left, right) || left === right;
  if (typeof left !== 'object' || typeof right !== 'object') return left === right;
  if (depth > MAX_DEPTH)
    throw new VtlProblem(`a value nests deeper than ${MAX_DEPTH} levels (does a map contain itself?)`);
  if (left instanceof VtlList && right instanceof VtlList) {
    if (left.origin === 'array' || right.origin === 'array') return left === right;
    return (
      left.items.length === right.items.length &&
      left.items.every((item, index) => javaEquals(item, right.items[index] ?? null, depth + 1))
    );
  }
  if (left instanceof VtlMap && right instanceof VtlMap) {
    if (left.entries.size !== right.entries.size) return false;
    for (const [key, item] of left.entries) {
      if (!right.entries.has(key) || !javaEquals(item, right.entries.get(key) ?? null, depth + 1)) return false;
    }
    return true;
  }
  return left === right;
}

/** The Java class a value stands for, as `$x.getClass().getName()` reports it. */
export function javaClassName(value: VtlValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'number':
      return 'java.lang.Double';
    case 'bigint':
      if (value === BigInt.asIntN(32, value)) return 'java.lang.Integer';
      return value === BigInt.asIntN(64, value) ? 'java.lang.Long' : 'java.math.BigInteger';
  }
  if (value instanceof VtlList) {
    if (value.origin === 'array') return '[Ljava.lang.String;';
    return value.origin === 'json' ? 'net.minidev.json.JSONArray' : 'java.util.ArrayList';
  }
  if (value instanceof VtlMap) return value.origin === 'json' ? 'java.util.LinkedHashMap' : 'java.util.HashMap';
  return 'java.lang.Object';
}
