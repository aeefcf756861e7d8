/**
 * Selection expressions (spec 2): `$request.body.action`, `${request.body.a}/${request.body.b}`,
 * static text such as `action`, and `\$default` (an escaped `$`). Used for route,
 * model and template selection.
 */
import { GatewayError } from '../errors.ts';
import { resolveJsonPath } from '../json-path.ts';

export interface SelectionExpression {
  /** The expression as written. */
  readonly source: string;
  /** Whether evaluating needs the message body as JSON; a non-JSON body then selects `$default` (spec 2 rule 7). */
  readonly usesBody: boolean;
  /** Evaluates once against a parsed body (no recursion, spec 2 rule 1). */
  evaluate(body: unknown): string;
}

type Segment = string | number;
type Part = { text: string } | { path: Segment[] };

const BRACED = /\$\{request\.body((?:\.[^.}[\]]+|\[\d+\])*)\}/g;
const UNBRACED = /^\$request\.body((?:\.[^.[\]]+|\[\d+\])*)$/;

export function compileSelectionExpression(source: string): SelectionExpression {
  const parts = parse(source);
  const usesBody = parts.some((part) => 'path' in part);
  return {
    source,
    usesBody,
    evaluate(body: unknown): string {
      let result = '';
      for (const part of parts) result += 'text' in part ? part.text : stringify(resolveJsonPath(body, part.path));
      return result;
    },
  };
}

function parse(source: string): Part[] {
  if (source.startsWith('\\$')) return [{ text: source.slice(1) }];
  const unbraced = UNBRACED.exec(source);
  if (unbraced) return [{ path: parsePath(unbraced[1] ?? '', source) }];
  if (source.startsWith('$') && !source.startsWith('${')) {
    throw new GatewayError(
      'SB_ERR_SELECTION_EXPRESSION',
      `Selection expression "${source}" is not supported: use $request.body.<path>, \${request.body.<path>} parts, or static text`,
    );
  }
  const parts: Part[] = [];
  let last = 0;
  for (const match of source.matchAll(BRACED)) {
    if (match.index > last) parts.push({ text: source.slice(last, match.index) });
    parts.push({ path: parsePath(match[1] ?? '', source) });
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push({ text: source.slice(last) });
  if (parts.some((part) => 'text' in part && part.text.includes('${'))) {
    throw new GatewayError(
      'SB_ERR_SELECTION_EXPRESSION',
      `Selection expression "${source}" has a \${...} part that is not \${request.body.<path>}`,
    );
  }
  return parts;
}

function parsePath(path: string, source: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[1] !== undefined ? match[1] : Number(match[2]));
  }
  if (segments.length === 0) {
    throw new GatewayError('SB_ERR_SELECTION_EXPRESSION', `Selection expression "${source}" names no body path`);
  }
  return segments;
}

/**
 * A path that does not resolve becomes "" (spec 2 rule 2); other values are
 * stringified (rule 3): numbers and booleans as written, arrays as `[a, b]`,
 * objects as JSON (our documented choice, AWS's formatting is unverified).
 * An array or object nested deeper than `MAX_SELECTED_DEPTH` selects as a path
 * that does not resolve: no key spells such a value, and writing it out would
 * take a stack as deep as the client made it (a 12 KB frame of `[` nests 6,000 deep).
 */
function stringify(value: unknown): string {
  if (typeof value === 'object' && value !== null && nestsDeeperThan(value, MAX_SELECTED_DEPTH)) return '';
  return written(value);
}

/** How deep an array or object may nest and still be written out as a selection's value. */
export const MAX_SELECTED_DEPTH = 32;

function written(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(written).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Whether `value` holds arrays or objects more than `limit` levels deep; walked without recursion. */
function nestsDeeperThan(value: object, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth > limit) return true;
    for (const member of Object.values(next)) pending.push([member, depth + 1]);
  }
  return false;
}
