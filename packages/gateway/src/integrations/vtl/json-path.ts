/**
 * The JSONPath that `$input.json(path)`, `$input.path(path)` and `route.request.body.PATH`
 * take. API Gateway documents JSONPath (Goessner) without listing what it implements;
 * this gateway takes the forms mapping templates use and refuses the rest with a clear
 * error instead of guessing:
 *
 * - `$` (the whole payload), `$.name`, `$['name']`, `$["name"]` (quotes escaped with `\`);
 * - `[n]`, and `[-n]` counting from the end;
 * - `[*]` and `.*` (every item or member value), `..name` (every `name` at any depth).
 *
 * A path with `*` or `..` gives a JSON list of every match (empty when nothing
 * matches); any other path gives the one value, or nothing when it is missing.
 * Filters (`[?(...)]`), slices, unions and functions are refused.
 */
import { SourceError } from './source-error.ts';
import type { VtlValue } from './values.ts';
import { VtlList, VtlMap } from './values.ts';

export type JsonPathSegment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descendants'; name: string };

export interface JsonPath {
  readonly source: string;
  readonly segments: readonly JsonPathSegment[];
  /** Whether the path names one value (no `*`, no `..`). */
  readonly definite: boolean;
}

/** A path outside the supported forms; `offset` is where in the path text. */
export class JsonPathError extends SourceError {}

const DOT_NAME = /[^.[\]()'"\s*,?@$]+/y;
const INDEX = /-?\d+/y;

/** Compiles a JSONPath; throws JsonPathError naming what is not supported. */
export function compileJsonPath(source: string): JsonPath {
  if (!source.startsWith('$')) throw new JsonPathError(`JSONPath "${source}" must start with $`, 0);
  const segments: JsonPathSegment[] = [];
  let position = 1;
  const fail = (problem: string): never => {
    throw new JsonPathError(`JSONPath "${source}" ${problem} at character ${position + 1}`, position);
  };
  const name = (): string => {
    DOT_NAME.lastIndex = position;
    const match = DOT_NAME.exec(source);
    if (!match) return fail('needs a member name');
    position = DOT_NAME.lastIndex;
    return match[0];
  };
  while (position < source.length) {
    if (source.startsWith('..', position)) {
      position += 2;
      if (source[position] === '[' || source[position] === '*')
        fail('uses .. with a bracket or *, which is not supported');
      segments.push({ kind: 'descendants', name: name() });
    } else if (source[position] === '.') {
      position++;
      if (source[position] === '*') {
        position++;
        segments.push({ kind: 'wildcard' });
      } else {
        segments.push({ kind: 'name', name: name() });
      }
    } else if (source[position] === '[') {
      position++;
      segments.push(bracket());
    } else {
      fail('has an unexpected character');
    }
  }
  return {
    source,
    segments,
    definite: segments.every((segment) => segment.kind !== 'wildcard' && segment.kind !== 'descendants'),
  };

  function bracket(): JsonPathSegment {
    const quote = source[position];
    if (quote === "'" || quote === '"') {
      let text = '';
      position++;
      for (;;) {
        const char = source[position];
        if (char === undefined) fail('has an unterminated quoted name');
        if (char === quote) break;
        if (char === '\\' && position + 1 < source.length) position++;
        text += source[position];
        position++;
      }
      position++;
      if (source[position] !== ']') fail('supports one quoted name per bracket');
      position++;
      return { kind: 'name', name: text };
    }
    if (source.startsWith('*]', position)) {
      position += 2;
      return { kind: 'wildcard' };
    }
    INDEX.lastIndex = position;
    const match = INDEX.exec(source);
    if (match && source[INDEX.lastIndex] === ']') {
      position = INDEX.lastIndex + 1;
      return { kind: 'index', index: Number(match[0]) };
    }
    return fail('uses a bracket form that is not supported (filters, slices and unions are not)');
  }
}

/**
 * The value at `path` in `root`: the value itself for a definite path (`undefined` when
 * missing), a JSON list of the matches otherwise. The result shares structure with
 * `root`; copy it before handing it to a template that may change it.
 */
export function evaluateJsonPath(root: VtlValue, path: JsonPath): VtlValue | undefined {
  if (path.definite) {
    let current: VtlValue | undefined = root;
    for (const segment of path.segments) {
      current = step(current ?? null, segment);
      if (current === undefined) return undefined;
    }
    return current;
  }
  let matches: VtlValue[] = [root];
  for (const segment of path.segments) {
    const next: VtlValue[] = [];
    for (const value of matches) {
      if (segment.kind === 'wildcard') next.push(...children(value));
      else if (segment.kind === 'descendants') collectDescendants(value, segment.name, next, 0);
      else {
        const found = step(value, segment);
        if (found !== undefined) next.push(found);
      }
    }
    matches = next;
  }
  return new VtlList(matches, 'json');
}

function step(value: VtlValue, segment: JsonPathSegment): VtlValue | undefined {
  if (segment.kind === 'name') {
    return value instanceof VtlMap && value.entries.has(segment.name)
      ? (value.entries.get(segment.name) ?? null)
      : undefined;
  }
  if (segment.kind === 'index' && value instanceof VtlList) {
    const index = segment.index < 0 ? value.items.length + segment.index : segment.index;
    return index >= 0 && index < value.items.length ? (value.items[index] ?? null) : undefined;
  }
  return undefined;
}

function children(value: VtlValue): VtlValue[] {
  if (value instanceof VtlList) return value.items;
  if (value instanceof VtlMap) return [...value.entries.values()];
  return [];
}

/** Every `name` member at or below `value`, in document order (parents before children). */
function collectDescendants(value: VtlValue, name: string, into: VtlValue[], depth: number): void {
  // JSON values from a request are at most MAX_JSON_DEPTH deep; a map that contains itself is not.
  if (depth > 1000) return;
  if (value instanceof VtlMap && value.entries.has(name)) into.push(value.entries.get(name) ?? null);
  for (const child of children(value)) collectDescendants(child, name, into, depth + 1);
}
