/**
 * The text of a definition file (a config file, or an app's template) parsed with
 * line numbers, so that every problem found later can name the file and the line.
 */
import { readFile } from 'node:fs/promises';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Tags } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Locate } from './validate.ts';

export interface ParsedSource {
  data: unknown;
  /** The line of the key at a path, found on demand. */
  locate: Locate;
}

/**
 * Reads a definition file as text. `what` names it in errors ("config file", "template").
 */
export async function readSourceText(file: string, path: string, what = 'config file'): Promise<string> {
  try {
    // A byte order mark is legal at the start of a file but not in JSON.parse.
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? `${what} not found: check the path` : `cannot read the ${what}: ${(error as Error).message}`;
    throw new ConfigError(problem, { file }, { cause: error });
  }
}

/**
 * Parses YAML. `customTags` teach it tags such as CloudFormation's `!Ref`; any other
 * tag is an error naming its line, as is a syntax error.
 */
export function parseYamlSource(text: string, file: string, customTags?: Tags): ParsedSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, ...(customTags && { customTags }) });
  const [syntax] = document.errors;
  if (syntax) {
    throw new ConfigError(
      `YAML syntax error: ${syntax.message}`,
      { file, line: lineCounter.linePos(syntax.pos[0]).line },
      { cause: syntax },
    );
  }
  const [unknownTag] = document.warnings.filter((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag) {
    const tag = /Unresolved tag: (\S+)/.exec(unknownTag.message)?.[1] ?? 'a tag';
    throw new ConfigError(`unknown YAML tag ${tag}`, { file, line: lineCounter.linePos(unknownTag.pos[0]).line });
  }
  return { data: document.toJS(), locate: yamlLocator(document, lineCounter) };
}

/** Parses JSON; a syntax error names its line and what was expected there. */
export function parseJsonSource(text: string, file: string): ParsedSource {
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
