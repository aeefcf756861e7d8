/**
 * Hot reload for `switchboard serve`: when the app's code changes, every module
 * handler loads it anew in a new worker and the older workers retire
 * (lambda-worker-pool.ts), so the next invocation runs the new code while
 * WebSocket connections, which live in the gateway and not in the workers, stay
 * open. A function whose new code does not load keeps serving its old code, and
 * the report names the changed files and the error; the next change tries again.
 *
 *   change (debounced, code-watcher.ts) ─▶ reload every function ─▶ one report line
 *        └ a change during a reload ─▶ one more reload after it (changes merged)
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { GatewayDefinition } from '../definition.ts';
import type { FunctionReload } from '../integrations/function-loader.ts';
import { splitHandlerReference } from '../integrations/lambda.ts';
import { type CodeChange, CodeWatcher, displayPath, MAX_REPORTED_FILES } from './code-watcher.ts';
import { syntaxErrorLocation } from './syntax-check.ts';

export interface HotReloadOptions {
  /** The app: its module handlers tell which folders hold its code. */
  definition: GatewayDefinition;
  /** The folder handler paths are relative to (the app's folder). */
  baseDir: string;
  /** Loads every function's code anew: `Gateway.reloadFunctions`. */
  reload: () => Promise<FunctionReload[]>;
  /** One line per outcome; `failed` when a function kept its old code or a folder cannot be watched. */
  report: (line: string, failed: boolean) => void;
  /**
   * Quiet time after the last file event before reloading.
   * @default 100
   */
  debounceMs?: number;
}

export class HotReload {
  /** The folders watched with their sub-folders. */
  readonly roots: readonly string[];
  readonly #options: HotReloadOptions;
  #watcher: CodeWatcher | undefined = undefined;
  #running: Promise<void> | undefined = undefined;
  #next: CodeChange | undefined = undefined;

  private constructor(options: HotReloadOptions, roots: string[]) {
    this.#options = options;
    this.roots = roots;
  }

  /** Starts watching the app's code; undefined when the app has no module handler (nothing to reload). */
  static async start(options: HotReloadOptions): Promise<HotReload | undefined> {
    const roots = codeRootsOf(options.definition, options.baseDir);
    if (roots.length === 0) return undefined;
    const hotReload = new HotReload(options, roots);
    hotReload.#watcher = await CodeWatcher.start({
      roots,
      debounceMs: options.debounceMs,
      onChange: (change) => hotReload.#onChange(change),
      onNotice: (text) => options.report(text, true),
    });
    return hotReload;
  }

  /** Stops watching; a reload under way finishes. */
  close(): void {
    this.#watcher?.close();
  }

  #onChange(change: CodeChange): void {
    if (this.#running === undefined) {
      this.#running = this.#reload(change).finally(() => {
        this.#running = undefined;
        const next = this.#next;
        this.#next = undefined;
        if (next) this.#onChange(next);
      });
      return;
    }
    // Bounded like the watcher's own list: the first files, and whether there were more.
    const merged = [...new Set([...(this.#next?.files ?? []), ...change.files])];
    this.#next = {
      files: merged.slice(0, MAX_REPORTED_FILES),
      more: change.more || (this.#next?.more ?? false) || merged.length > MAX_REPORTED_FILES,
    };
  }

  async #reload(change: CodeChange): Promise<void> {
    const { reload, report, baseDir } = this.#options;
    const shown = change.files.slice(0, 3).map((file) => displayPath(file, baseDir));
    const changed =
      shown.join(', ') + (change.more || change.files.length > shown.length ? ' and other files' : '') || 'a file';
    let outcomes: FunctionReload[];
    try {
      outcomes = await reload();
    } catch (error) {
      report(`${changed} changed, but the reload failed: ${(error as Error).message}`, true);
      return;
    }
    const failed = outcomes.filter((outcome) => outcome.error !== undefined);
    const loaded = outcomes.length - failed.length;
    if (loaded > 0) {
      report(`${changed} changed: reloaded ${loaded} of ${outcomes.length} ${plural(outcomes.length)}`, false);
    }
    if (failed.length === 0) return;
    const syntaxError = await syntaxErrorLocation(change.files);
    const where = (message: string): string =>
      syntaxError === undefined || message.includes(syntaxError)
        ? ''
        : ` (the syntax error is at ${displayPath(syntaxError, baseDir)})`;
    // Functions that share the broken file fail alike: one line per distinct error.
    const byError = new Map<string, string[]>();
    for (const { functionName, error } of failed) {
      const message = error?.message ?? '';
      byError.set(message, [...(byError.get(message) ?? []), functionName]);
    }
    for (const [message, names] of byError) {
      report(
        `${changed} changed, but ${names.join(', ')} could not load the new code and ${names.length === 1 ? 'keeps' : 'keep'} serving the previous one: ${message}${where(message)}`,
        true,
      );
    }
  }
}

function plural(count: number): string {
  return count === 1 ? 'function' : 'functions';
}

/**
 * The folders that hold an app's code: the app's folder, and the folder of any
 * handler module outside it (a `CodeUri: ../shared`). None when every handler is a
 * function given in code.
 */
export function codeRootsOf(definition: GatewayDefinition, baseDir: string): string[] {
  const references = [
    ...Object.values(definition.routes).map((route) => route.handler),
    definition.authorizer?.handler,
  ].filter((handler): handler is string => typeof handler === 'string');
  if (references.length === 0) return [];
  const folders = [
    baseDir,
    ...references.map((reference) => dirname(resolve(baseDir, splitHandlerReference(reference).modulePath))),
  ]
    .map((folder) => resolve(folder))
    // Parents first, so that a folder inside one already listed is left out.
    .sort((a, b) => a.length - b.length);
  const roots: string[] = [];
  for (const folder of folders) {
    if (!roots.some((root) => isInside(folder, root))) roots.push(folder);
  }
  return roots;
}

function isInside(folder: string, root: string): boolean {
  const path = relative(root, folder);
  return !isAbsolute(path) && path !== '..' && !path.startsWith(`..${sep}`);
}
