/**
 * The variables API Gateway gives WebSocket mapping templates ("WebSocket API mapping
 * template reference"): `$context`, `$input`, `$util` and `$stageVariables`.
 *
 * - `$context` is a map of the event's request context: `connectionId`, `routeKey`,
 *   `eventType`, `messageId`, `requestId`, `extendedRequestId`, `requestTime`,
 *   `requestTimeEpoch` and `connectedAt` (integers, so `$context.requestTimeEpoch / 1000`
 *   is whole seconds), `stage`, `apiId`, `domainName`, `messageDirection`,
 *   `identity.sourceIp`, `authorizer.principalId` and `authorizer.<key>` (strings), and
 *   on `$disconnect` `disconnectStatusCode` and `disconnectReason`. Anything else is
 *   missing and renders as nothing.
 * - `$input.body` is the payload; an empty payload reads as `{}`, as API Gateway
 *   substitutes it. `$input.json(path)` is the JSON text at a JSONPath (`""`, an empty
 *   JSON string, when missing, when the payload is empty or not JSON); `$input.path(path)`
 *   the value itself (maps, lists, numbers, strings; nothing when missing). `$input.params()` is the map
 *   `{path={}, querystring={..}, header={..}}` (handshake query and headers, on
 *   `$connect` only), `$input.params(name)` the first of path, query string and header
 *   (headers ignore case) with that name, or `""`.
 * - `$util` has the six functions of util-functions.ts and `parseJson(text)`.
 */
import type { RequestContext } from '../../events.ts';
import type { Reference, TemplateNode } from './ast.ts';
import { forEachReference } from './ast.ts';
import type { BuiltinLookup } from './evaluator.ts';
import { JsonSyntaxError, parseJsonValue } from './json.ts';
import type { JsonPath } from './json-path.ts';
import { compileJsonPath, evaluateJsonPath, JsonPathError } from './json-path.ts';
import { UTIL_FUNCTIONS } from './util-functions.ts';
import type { HostObject, VtlMapKey, VtlValue } from './values.ts';
import { toJsonText, toText, VtlList, VtlMap, VtlProblem } from './values.ts';

/** What a template is rendered against. */
export interface TemplateInput {
  /** The payload: the message body for request templates, the backend body for response templates. */
  body: string;
  requestContext: RequestContext;
  stageVariables: Record<string, string>;
  /** The handshake's headers (`$connect` only), for `$input.params()`. */
  headers?: Record<string, string>;
  /** The handshake's query string (`$connect` only), for `$input.params()`. */
  queryStringParameters?: Record<string, string>;
}

/** The variables for one render; each is built when the template first uses it. */
export function apiGatewayVariables(input: TemplateInput): BuiltinLookup {
  let context: VtlValue | undefined;
  let stageVariables: VtlValue | undefined;
  let inputVariable: HostObject | undefined;
  return (name) => {
    switch (name) {
      case 'context':
        context ??= fromPlain(input.requestContext);
        return context;
      case 'stageVariables':
        stageVariables ??= fromPlain(input.stageVariables);
        return stageVariables;
      case 'input':
        inputVariable ??= new InputVariable(input);
        return inputVariable;
      case 'util':
        return UTIL;
      default:
        return undefined;
    }
  };
}

/** `$util` members and how many arguments each takes. */
export const UTIL_MEMBERS: ReadonlySet<string> = new Set([...Object.keys(UTIL_FUNCTIONS), 'parseJson']);

/**
 * Checks, when the template is loaded, every use of `$input` and `$util` that API Gateway
 * would silently render as nothing: unknown members, wrong argument counts, and literal
 * JSONPaths outside the supported forms. Returns the problem and where it is, or undefined.
 */
export function findUnsupportedUse(nodes: readonly TemplateNode[]): { message: string; at: number } | undefined {
  let found: { message: string; at: number } | undefined;
  forEachReference(nodes, (reference) => {
    if (!found && (reference.root === 'util' || reference.root === 'input')) found = unsupportedUse(reference);
  });
  return found;
}

const INPUT_ARITY: Record<string, number[]> = { json: [1], path: [1], params: [0, 1] };

function unsupportedUse(reference: Reference): { message: string; at: number } | undefined {
  const [first] = reference.steps;
  const at = first?.at ?? reference.at;
  const member = first && first.kind !== 'index' ? `.${first.name}` : '';
  if (reference.root === 'util') {
    if (first?.kind !== 'method' || !UTIL_MEMBERS.has(first.name)) {
      const hint = member === '.toJson' ? " ($util.toJson is AppSync's; use $input.json(path) to write JSON)" : '';
      return {
        at,
        message: `$util${member} is not one of API Gateway's $util functions (${[...UTIL_MEMBERS].join(', ')})${hint}; AWS would render it as an empty string`,
      };
    }
    return first.args.length === 1
      ? undefined
      : { at, message: `$util.${first.name} takes one argument, not ${first.args.length}` };
  }
  if (first?.kind === 'property' && first.name === 'body') return undefined;
  if (first?.kind === 'property' && INPUT_ARITY[first.name]) {
    return { at, message: `$input.${first.name} is a method: write $input.${first.name}(...)` };
  }
  const arity = first?.kind === 'method' ? INPUT_ARITY[first.name] : undefined;
  if (first?.kind !== 'method' || !arity) {
    return {
      at,
      message: `$input${member} is not one of API Gateway's $input members (body, json(path), path(path), params(), params(name)); AWS would render it as an empty string`,
    };
  }
  if (!arity.includes(first.args.length)) {
    return { at, message: `$input.${first.name} takes ${arity.join(' or ')} argument(s), not ${first.args.length}` };
  }
  const [path] = first.args;
  if ((first.name === 'json' || first.name === 'path') && path?.kind === 'string') {
    try {
      compileJsonPath(path.value);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      return { at: path.at, message: error.message };
    }
  }
  return undefined;
}

/** Plain JSON-like data (the request context, stage variables) as template values; whole numbers are integers. */
function fromPlain(value: unknown): VtlValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'object': {
      if (Array.isArray(value)) return new VtlList(value.map(fromPlain), 'literal');
      const entries = new Map<VtlMapKey, VtlValue>();
      for (const [key, item] of Object.entries(value)) if (item !== undefined) entries.set(key, fromPlain(item));
      return new VtlMap(entries, 'json');
    }
    default:
      return null;
  }
}

/** Compiled JSONPaths by text: templates that build a path at render time (`"$.items[$i]"`) reuse them. */
const paths = new Map<string, JsonPath>();

function jsonPath(text: VtlValue | undefined): JsonPath | undefined {
  if (typeof text !== 'string') return undefined;
  let path = paths.get(text);
  if (!path) {
    try {
      path = compileJsonPath(text);
    } catch (error) {
      if (error instanceof JsonPathError) throw new VtlProblem(error.message);
      throw error;
    }
    if (paths.size >= 1000) paths.clear();
    paths.set(text, path);
  }
  return path;
}

/** A deep copy, so a template that changes what `$input.path` gave it cannot change the payload. */
function copy(value: VtlValue): VtlValue {
  if (value instanceof VtlList) return new VtlList(value.items.map(copy), value.origin);
  if (value instanceof VtlMap)
    return new VtlMap(new Map([...value.entries].map(([key, item]) => [key, copy(item)])), value.origin);
  return value;
}

class InputVariable implements HostObject {
  readonly kind = 'host';
  readonly hostName = '$input';
  readonly #input: TemplateInput;
  /** The payload parsed once per render; `undefined` inside when it is not JSON. */
  #parsed: { value: VtlValue | undefined } | undefined;

  constructor(input: TemplateInput) {
    this.#input = input;
  }

  property(name: string): VtlValue | undefined {
    return name === 'body' ? this.#body() : undefined;
  }

  call(name: string, args: VtlValue[]): VtlValue | undefined {
    const [first] = args;
    switch (`${name}/${args.length}`) {
      case 'getBody/0':
        return this.#body();
      case 'json/1': {
        const path = jsonPath(first);
        if (!path) return undefined;
        const found = this.#at(path);
        // API Gateway writes an empty JSON string for a missing value or a payload that is not JSON.
        return found === undefined ? '""' : toJsonText(found);
      }
      case 'path/1': {
        const path = jsonPath(first);
        if (!path) return undefined;
        const found = this.#at(path);
        return found === undefined ? null : copy(found);
      }
      case 'params/0':
        return this.#params();
      case 'params/1':
        return typeof first === 'string' ? this.#param(first) : undefined;
      default:
        return undefined;
    }
  }

  #body(): string {
    return this.#input.body === '' ? '{}' : this.#input.body;
  }

  /** The value at `path`; an empty payload has none (though `$input.body` reads it as `{}`). */
  #at(path: JsonPath): VtlValue | undefined {
    if (!this.#parsed) {
      try {
        this.#parsed = { value: this.#input.body === '' ? undefined : parseJsonValue(this.#input.body) };
      } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        this.#parsed = { value: undefined };
      }
    }
    return this.#parsed.value === undefined ? undefined : evaluateJsonPath(this.#parsed.value, path);
  }

  #params(): VtlMap {
    const strings = (record: Record<string, string> | undefined) =>
      new VtlMap(new Map(Object.entries(record ?? {})), 'json');
    return new VtlMap(
      new Map<VtlMapKey, VtlValue>([
        ['path', strings({})],
        ['querystring', strings(this.#input.queryStringParameters)],
        ['header', strings(this.#input.headers)],
      ]),
      'json',
    );
  }

  #param(name: string): string {
    const query = this.#input.queryStringParameters;
    if (query && Object.hasOwn(query, name)) return query[name] ?? '';
    const headers = this.#input.headers ?? {};
    const lower = name.toLowerCase();
    for (const [header, value] of Object.entries(headers)) if (header.toLowerCase() === lower) return value;
    return '';
  }
}

const UTIL: HostObject = {
  kind: 'host',
  hostName: '$util',
  property: () => undefined,
  call(name, args) {
    const [argument] = args;
    if (args.length !== 1 || argument === undefined || argument === null) return undefined;
    if (name === 'parseJson') {
      try {
        return parseJsonValue(toText(argument));
      } catch (error) {
        if (error instanceof JsonSyntaxError)
          throw new VtlProblem(`$util.parseJson: the text is not JSON (${error.message})`);
        throw error;
      }
    }
    if (!Object.hasOwn(UTIL_FUNCTIONS, name)) return undefined;
    return UTIL_FUNCTIONS[name as keyof typeof UTIL_FUNCTIONS](toText(argument));
  },
};
