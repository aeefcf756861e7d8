/**
 * Mapping templates (spec 7): the subset of API Gateway's VTL that request and
 * integration-response templates need, compiled once into a render function.
 *
 * Supported references, in plain (`$x.y`), formal (`${x.y}`) and quiet (`$!x.y`) form:
 * - `$context.<name>`: any `$context` variable (spec 8); unknown names render as "".
 * - `$stageVariables.<name>`: unknown names render as "".
 * - `$input.body`: the payload as text.
 * - `$input.json('<path>')`: the JSON text of the value at a simple JSONPath
 *   (`$`, `$.a.b`, `$.a[0]`, `$['a b']`); a missing value or a non-JSON payload renders
 *   `null` (our documented choice; AWS's output is unverified).
 * - `$input.path('<path>')`: the value itself: strings as they are, other values as
 *   JSON; a missing value renders "" (our documented choice).
 * - `$util.escapeJavaScript`, `urlEncode`, `urlDecode`, `base64Encode`, `base64Decode`
 *   applied to one of the references above or to a quoted string.
 *
 * Unsupported, rejected with a ConfigError when the template is compiled: directives
 * (`#set`, `#if`, `#foreach`, ...), `$input.params()`, `$util.parseJson()` and any
 * other `$input`/`$util` member. Other references (e.g. `$foo`) render as written,
 * as VTL renders an undefined reference.
 */
import { contextVariable } from '../context-variables.ts';
import { ConfigError } from '../errors.ts';
import type { RequestContext } from '../events.ts';

/** What a template is rendered against. */
export interface TemplateInput {
  /** The payload: the message body for request templates, the backend body for response templates. */
  body: string;
  requestContext: RequestContext;
  stageVariables: Record<string, string>;
}

export interface MappingTemplate {
  /** The template as written. */
  readonly source: string;
  render(input: TemplateInput): string;
}

/** A compiled simple JSONPath. */
export type JsonPath = ReadonlyArray<string | number>;

/**
 * Compiles a template; `configPath` names it in errors,
 * e.g. `routes.sendmessage.integration.requestTemplates.$default`.
 *
 * @example
 * compileMappingTemplate('{"id":"$context.connectionId","x":$input.json(\'$.x\')}', 'routes.a.integration.requestTemplates.$default')
 */
export function compileMappingTemplate(source: string, configPath: string): MappingTemplate {
  const directive = DIRECTIVE.exec(source);
  if (directive) {
    throw new ConfigError(
      `mapping template directive "${directive[0]}" is not supported (only references such as $context.connectionId, $input.body, $input.json('$.x') are)`,
      { path: configPath },
    );
  }
  const parts = new Parser(source, configPath).parseTemplate();
  return {
    source,
    render(input: TemplateInput): string {
      const scope = new Scope(input);
      let out = '';
      for (const part of parts) out += typeof part === 'string' ? part : evaluate(part, scope);
      return out;
    },
  };
}

/**
 * Compiles a JSONPath of the simple form API Gateway mappings use: `$`, `$.a.b`,
 * `$.a[0]`, `$['a b']`. Returns `undefined` when the text is not of that form.
 */
export function compileJsonPath(path: string): JsonPath | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: Array<string | number> = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = JSON_PATH_SEGMENT.exec(rest);
    if (!match) return undefined;
    segments.push(match[1] ?? match[3] ?? Number(match[2]));
    rest = rest.slice(match[0].length);
  }
  return segments;
}

/** The value at `path`, or `undefined` when any step is missing. */
export function resolveJsonPath(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** The parsed JSON text, or `undefined` when there is none or it is not JSON. */
export function parseJsonOrUndefined(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const DIRECTIVE = /#\{?(?:set|if|elseif|else|end|foreach|macro|define|parse|include|evaluate|break|stop)\b/;
const JSON_PATH_SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\])/;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

type UtilFunction = 'escapeJavaScript' | 'urlEncode' | 'urlDecode' | 'base64Encode' | 'base64Decode';

type Expression =
  | { kind: 'literal'; value: string }
  | { kind: 'context'; name: string }
  | { kind: 'stageVariable'; name: string }
  | { kind: 'body' }
  | { kind: 'json' | 'path'; path: JsonPath }
  | { kind: 'util'; fn: UtilFunction; argument: Expression };

const UTIL_FUNCTIONS: Record<UtilFunction, (text: string) => string> = {
  escapeJavaScript,
  urlEncode,
  urlDecode: (text) => decodeURIComponent(text.replaceAll('+', ' ')),
  base64Encode: (text) => Buffer.from(text, 'utf8').toString('base64'),
  base64Decode: (text) => Buffer.from(text, 'base64').toString('utf8'),
};

/** Per-render state: the payload is parsed at most once, and only when a JSONPath needs it. */
class Scope {
  readonly input: TemplateInput;
  #parsed: { value: unknown } | undefined;

  constructor(input: TemplateInput) {
    this.input = input;
    this.#parsed = undefined;
  }

  /** The parsed payload, or `undefined` when it is not JSON. */
  json(): unknown {
    if (this.#parsed === undefined) {
      this.#parsed = { value: parseJsonOrUndefined(this.input.body) };
    }
    return this.#parsed.value;
  }
}

function evaluate(expression: Expression, scope: Scope): string {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'context':
      return contextVariable(scope.input.requestContext, expression.name) ?? '';
    case 'stageVariable':
      return scope.input.stageVariables[expression.name] ?? '';
    case 'body':
      return scope.input.body;
    case 'json':
      return JSON.stringify(resolveJsonPath(scope.json(), expression.path)) ?? 'null';
    case 'path': {
      const value = resolveJsonPath(scope.json(), expression.path);
      if (value === undefined || value === null) return '';
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    case 'util':
      return UTIL_FUNCTIONS[expression.fn](evaluate(expression.argument, scope));
  }
}

/** A reference that was parsed: its chain of names and call arguments, and where it ended. */
interface Reference {
  names: string[];
  args: Expression[] | undefined;
  end: number;
}

class Parser {
  readonly #source: string;
  readonly #configPath: string;

  constructor(source: string, configPath: string) {
    this.#source = source;
    this.#configPath = configPath;
  }

  parseTemplate(): Array<string | Expression> {
    const parts: Array<string | Expression> = [];
    let text = '';
    let position = 0;
    while (position < this.#source.length) {
      const dollar = this.#source.indexOf('$', position);
      if (dollar === -1) break;
      const reference = this.#reference(dollar);
      const expression = reference && this.#interpret(reference, dollar);
      if (reference && expression) {
        text += this.#source.slice(position, dollar);
        if (text) parts.push(text);
        text = '';
        parts.push(expression);
        position = reference.end;
      } else {
        text += this.#source.slice(position, dollar + 1);
        position = dollar + 1;
      }
    }
    text += this.#source.slice(position);
    if (text) parts.push(text);
    return parts;
  }

  /** Parses `$name(.name)*(args)?`, `${...}` or `$!...` at `start`; `undefined` when it is not a reference. */
  #reference(start: number): Reference | undefined {
    const source = this.#source;
    let position = start + 1;
    if (source[position] === '!') position++;
    const formal = source[position] === '{';
    if (formal) position++;
    const names: string[] = [];
    for (;;) {
      IDENTIFIER.lastIndex = position;
      const identifier = IDENTIFIER.exec(source);
      if (!identifier) break;
      names.push(identifier[0]);
      position = IDENTIFIER.lastIndex;
      if (source[position] !== '.' || !/[A-Za-z_]/.test(source[position + 1] ?? '')) break;
      position++;
    }
    if (names.length === 0) return undefined;
    let args: Expression[] | undefined;
    // Only `$input` and `$util` have methods; `$price(approx)` in text stays text.
    if (source[position] === '(' && (names[0] === 'input' || names[0] === 'util')) {
      const parsed = this.#arguments(position + 1);
      args = parsed.args;
      position = parsed.end;
    }
    if (formal) {
      if (source[position] !== '}') return undefined;
      position++;
    }
    return { names, args, end: position };
  }

  /** Parses call arguments after `(`: quoted strings or references, comma-separated, up to `)`. */
  #arguments(start: number): { args: Expression[]; end: number } {
    const source = this.#source;
    const args: Expression[] = [];
    let position = start;
    for (;;) {
      while (source[position] === ' ') position++;
      const char = source[position];
      if (char === ')' && args.length === 0) return { args, end: position + 1 };
      if (char === "'" || char === '"') {
        const close = source.indexOf(char, position + 1);
        if (close === -1) this.#fail(start, 'has an unterminated string argument');
        args.push({ kind: 'literal', value: source.slice(position + 1, close) });
        position = close + 1;
      } else if (char === '$') {
        const reference = this.#reference(position);
        const expression = reference && this.#interpret(reference, position);
        if (!reference || !expression) this.#fail(position, 'has an argument that is not a supported reference');
        args.push(expression);
        position = reference.end;
      } else {
        this.#fail(start, 'has an argument that is neither a quoted string nor a reference');
      }
      while (source[position] === ' ') position++;
      if (source[position] === ')') return { args, end: position + 1 };
      if (source[position] !== ',') this.#fail(start, 'has an unterminated argument list');
      position++;
    }
  }

  /** Maps a parsed reference to an expression; `undefined` leaves it as text (an unknown VTL reference). */
  #interpret({ names, args }: Reference, start: number): Expression | undefined {
    const [root, member] = names;
    switch (root) {
      case 'context':
      case 'stageVariables': {
        if (member === undefined) this.#fail(start, `needs a variable name after $${root}`);
        if (args) this.#fail(start, `calls $${root} members, which are variables, not methods`);
        const name = names.slice(1).join('.');
        return root === 'context' ? { kind: 'context', name } : { kind: 'stageVariable', name };
      }
      case 'input':
        if (names.length === 2 && member === 'body' && !args) return { kind: 'body' };
        if (names.length === 2 && (member === 'json' || member === 'path')) {
          const path = args?.length === 1 && args[0]?.kind === 'literal' ? compileJsonPath(args[0].value) : undefined;
          if (!path) this.#fail(start, `needs one quoted JSONPath such as '$.x' in $input.${member}(...)`);
          return { kind: member, path };
        }
        return this.#fail(start, 'uses an unsupported $input member (supported: body, json(path), path(path))');
      case 'util': {
        if (names.length === 2 && member && Object.hasOwn(UTIL_FUNCTIONS, member) && args?.length === 1 && args[0]) {
          return { kind: 'util', fn: member as UtilFunction, argument: args[0] };
        }
        const supported = Object.keys(UTIL_FUNCTIONS).join(', ');
        return this.#fail(start, `uses an unsupported $util call (supported with one argument: ${supported})`);
      }
      default:
        return undefined;
    }
  }

  #fail(position: number, problem: string): never {
    const excerpt = this.#source.slice(position, position + 40);
    throw new ConfigError(`mapping template ${problem}, at "${excerpt}"`, { path: this.#configPath });
  }
}

/**
 * JavaScript string escaping as API Gateway's `$util.escapeJavaScript` does it
 * (Apache Commons Lang's rules): quotes, backslash and `/` get a backslash, control
 * characters their short or `\u00XX` escapes, non-ASCII characters `\uXXXX`.
 * A single quote becomes `\'`, which is not valid JSON (AWS documents the same).
 */
function escapeJavaScript(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (code > 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code < 0x20) out += SHORT_ESCAPES[char] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (char === "'" || char === '"' || char === '\\' || char === '/') out += `\\${char}`;
    else out += char;
  }
  return out;
}

const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r' };

/** `application/x-www-form-urlencoded` encoding (Java's `URLEncoder`): space becomes `+`, only `*-._` stay unescaped. */
function urlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll('%20', '+');
}
