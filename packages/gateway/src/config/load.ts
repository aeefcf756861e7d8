/**
 * Loads a gateway definition from a config file: YAML, JSON, or a JS/TS module.
 * Every problem (missing file, syntax error, invalid definition) is a
 * `ConfigError` naming the file, the line when it is known, and what to change.
 */
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayDefinition } from '../definition.ts';
import { ConfigError } from '../errors.ts';
import { ensureTypeScriptHooks, isTypeScriptFile } from '../typescript-hooks.mjs';
import { parseJsonSource, parseYamlSource, readSourceText } from './source-text.ts';
import { validateDefinition } from './validate.ts';

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
 * `.ts` modules load through tsx, registered on first use.
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
    const { data, locate } = parseYamlSource(await readSourceText(file, path), file);
    return { ...base, definition: validateDefinition(data, locate, file) };
  }
  if (extension === '.json') {
    const { data, locate } = parseJsonSource(await readSourceText(file, path), file);
    return { ...base, definition: validateDefinition(data, locate, file) };
  }
  if (MODULE_EXTENSIONS.has(extension)) {
    await readSourceText(file, path);
    return { ...base, definition: validateDefinition(await importDefinition(file, path), undefined, file) };
  }
  throw new ConfigError(`unsupported config file type "${extension}": use ${SUPPORTED}`, { file });
}

async function importDefinition(file: string, path: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    if (isTypeScriptFile(path)) await ensureTypeScriptHooks();
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
  const at = error.message.indexOf(`${path}:`);
  const located = at === -1 ? null : /^(\d+):\d+: ERROR: (.*)/.exec(error.message.slice(at + path.length + 1));
  if (located?.[1] && located[2]) return { problem: located[2], line: Number(located[1]) };
  return { problem: error.message };
}
