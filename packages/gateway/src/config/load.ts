/**
 * Loads a gateway definition from a config file: YAML, JSON, or a JS/TS module.
 * Every problem (missing file, syntax error, invalid definition) is a
 * `ConfigError` naming the file, the line when it is known, and what to change.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { GatewayDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import { type Locate, validateDefinition } from './validate.ts';

export interface LoadedConfig {
  definition: GatewayDefinition;
  /** The config file's directory: handler paths are relative to it. */
  baseDir: string;
  /** The config file's absolute path. */
  file: string;
}

const MODULE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts']);
const SUPPORTED = '.yaml, .yml, .json, .js, .mjs, .cjs, .ts or .mts';

/**
 * Reads, parses and validates a config file. Modules export the definition as
 * `default` or as `definition`, or a function (possibly async) that returns it;
 * `.ts` modules need tsx registered, as the `switchboard` CLI does.
 *
 * @example
 * const { definition, baseDir } = await loadConfigFile('switchboard.yaml');
 * const gateway = await createGateway(definition, { baseDir });
 */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const path = resolve(file);
  const extension = extname(path).toLowerCase();
  const base = { baseDir: dirname(path), file: path };
  if (extension === '.yaml' || extension === '.yml') {
    const { data, locate } = parseYaml(await readSource(file, path), file);
    return { ...base, definition: validateDefinition(data, locate, file) };
  }
  if (extension === '.json') {
    const { data, locate } = parseJson(await readSource(file, path), file);
    return { ...base, definition: validateDefinition(data, locate, file) };
  }
  if (MODULE_EXTENSIONS.has(extension)) {
    await readSource(file, path);
    return { ...base, definition: validateDefinition(await importDefinition(file, path), undefined, file) };
  }
  throw new ConfigError(`unsupported config file type "${extension}": use ${SUPPORTED}`, { file });
}

interface Parsed {
  data: unknown;
  locate: Locate;
}

async function readSource(file: string, path: string): Promise<string> {
  try {
    // A byte order mark is legal at the start of a file but not in JSON.parse.
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'config file not found: check the path'
        : `cannot read the config file: ${(error as Error).message}`;
    throw new ConfigError(problem, { file }, { cause: error });
  }
}

function parseYaml(text: string, file: string): Parsed {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [syntax] = document.errors;
  if (syntax) {
    throw new ConfigError(
      `YAML syntax error: ${syntax.message}`,
      { file, line: lineCounter.linePos(syntax.pos[0]).line },
      { cause: syntax },
    );
  }
  return { data: document.toJS(), locate: yamlLocator(document, lineCounter) };
}

function parseJson(text: string, file: string): Parsed {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8's message often carries no position, so find the spot ourselves.
    const { offset, problem } = findJsonError(text);
    throw new ConfigError(`JSON syntax error: ${problem}`, { file, line: lineAt(text, offset) }, { cause: error });
  }
  // JSON is YAML 1.2, so the YAML parser supplies key positions; parsed only when a problem needs a line.
  let locate: Locate | undefined;
  return {
    data,
    locate: (path) => {
      if (!locate) {
        const lineCounter = new LineCounter();
        locate = yamlLocator(parseDocument(text, { lineCounter, uniqueKeys: false }), lineCounter);
      }
      return locate(path);
    },
  };
}

/** The line of the key at `path` (or of the item, in a sequence). */
function yamlLocator(document: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    let node: unknown = document.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(document);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return undefined;
        offset = (pair.key as Node).range?.[0];
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        offset = (node as Node | undefined)?.range?.[0];
      } else {
        return undefined;
      }
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
}

async function importDefinition(file: string, path: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const { problem, line } = describeImportError(error, path);
    throw new ConfigError(`cannot load the config module: ${problem}`, { file, line }, { cause: error });
  }
  // A CommonJS `exports.definition = ...` also shows up as `default.definition`; the named export wins.
  const exported = 'definition' in module ? module.definition : module.default;
  if (exported === undefined) {
    throw new ConfigError('the config module exports no definition: export it as default or as "definition"', {
      file,
    });
  }
  if (typeof exported !== 'function') return exported;
  try {
    return await (exported as () => unknown)();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`the config module's exported function failed: ${reason}`, { file }, { cause: error });
  }
}

/**
 * tsx reports a TypeScript syntax error as `<file>:<line>:<column>: ERROR: <problem>`;
 * Node's own ESM syntax errors carry no position, so those have no line.
 */
function describeImportError(error: unknown, path: string): { problem: string; line?: number } {
  if (!(error instanceof Error)) return { problem: String(error) };
  if ((error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return { problem: 'TypeScript modules need tsx: use the switchboard CLI or run node with --import tsx' };
  }
  const at = error.message.indexOf(`${path}:`);
  const located = at === -1 ? null : /^(\d+):\d+: ERROR: (.*)/.exec(error.message.slice(at + path.length + 1));
  if (located?.[1] && located[2]) return { problem: located[2], line: Number(located[1]) };
  return { problem: error.message };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line++;
  return line;
}

const JSON_SPACE = /[ \t\n\r]*/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_SCALAR = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Scans JSON text that `JSON.parse` rejected and says where and why it stops being JSON. */
function findJsonError(text: string): { offset: number; problem: string } {
  let at = 0;
  let problem = 'invalid JSON';
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    const found = pattern.exec(text);
    if (found) at += found[0].length;
    return found !== null;
  };
  const expected = (what: string): false => {
    const found = at < text.length ? JSON.stringify(text[at]) : 'the end of the file';
    problem = `expected ${what}, found ${found}`;
    return false;
  };
  const string = (): boolean => {
    if (match(JSON_STRING)) return true;
    problem = 'unterminated string or invalid escape';
    return false;
  };
  const value = (): boolean => {
    match(JSON_SPACE);
    if (text[at] === '{') return members('}', true);
    if (text[at] === '[') return members(']', false);
    if (text[at] === '"') return string();
    return match(JSON_SCALAR) || expected('a value');
  };
  const members = (close: string, keyed: boolean): boolean => {
    at++;
    match(JSON_SPACE);
    if (text[at] === close) {
      at++;
      return true;
    }
    for (;;) {
      if (keyed) {
        match(JSON_SPACE);
        if (text[at] !== '"') return expected('a quoted key');
        if (!string()) return false;
        match(JSON_SPACE);
        if (text[at] !== ':') return expected('":"');
        at++;
      }
      if (!value()) return false;
      match(JSON_SPACE);
      if (text[at] === ',') at++;
      else if (text[at] === close) {
        at++;
        return true;
      } else return expected(`"," or "${close}"`);
    }
  };
  if (value()) {
    match(JSON_SPACE);
    expected('the end of the file');
  }
  return { offset: at, problem };
}
