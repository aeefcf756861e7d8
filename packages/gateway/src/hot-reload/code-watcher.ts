/**
 * Watches an app's code folders for edits, for hot reload: every folder under
 * the given roots gets its own `fs.watch` (one inotify watch each on Linux,
 * where recursive watching would walk `node_modules` too), and a burst of
 * changes is reported once it settles.
 *
 *   edit ─▶ fs.watch event ─▶ a code file? ─ no ─▶ a new folder? ─▶ watch it too
 *                                └ yes ─▶ pending (bounded) ─▶ quiet for debounceMs
 *                                         (or maxDelayMs since the first) ─▶ onChange(files)
 *
 * What is skipped: `node_modules` (dependencies are not the app's code, and hold
 * thousands of folders), hidden folders (`.git`, `.switchboard` with DynamoDB
 * Local's data, `.aws-sam`) and a nested `cdk.out`; files other than code and
 * JSON (editor swap and backup files). At most `maxFolders` folders are watched.
 */
import { type Dirent, type FSWatcher, watch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';

export interface CodeWatcherOptions {
  /** Folders watched with their sub-folders. */
  roots: readonly string[];
  /** A burst of changes has settled: the files that changed. */
  onChange: (change: CodeChange) => void;
  /** Something the user should know: the folder limit reached, a folder that cannot be watched. */
  onNotice?: (text: string) => void;
  /**
   * Quiet time after the last change before `onChange` (an editor's save is a few events).
   * @default 100
   */
  debounceMs?: number;
  /**
   * Longest a steady stream of changes delays `onChange`.
   * @default 1000
   */
  maxDelayMs?: number;
  /**
   * Folders watched at most; beyond it the rest are left out, with one notice.
   * @default 2000
   */
  maxFolders?: number;
}

export interface CodeChange {
  /** Changed files (absolute paths), the first `MAX_REPORTED_FILES` of the burst. */
  files: string[];
  /** More files changed than `files` holds. */
  more: boolean;
}

/** Changed files a report names at most (a `git checkout` may change thousands). */
export const MAX_REPORTED_FILES = 20;
const CODE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx', '.json']);
const SKIPPED_FOLDERS = new Set(['node_modules', 'cdk.out']);

export class CodeWatcher {
  readonly #options: Required<Omit<CodeWatcherOptions, 'onNotice'>> & Pick<CodeWatcherOptions, 'onNotice'>;
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #pending = new Set<string>();
  #pendingOverflow = false;
  #quietTimer: NodeJS.Timeout | undefined = undefined;
  #firstChangeAt = 0;
  #limitNoticed = false;
  #closed = false;

  private constructor(options: CodeWatcherOptions) {
    this.#options = { debounceMs: 100, maxDelayMs: 1000, maxFolders: 2000, ...options };
  }

  /** Starts watching once every folder under the roots is watched. */
  static async start(options: CodeWatcherOptions): Promise<CodeWatcher> {
    const watcher = new CodeWatcher(options);
    for (const root of options.roots) await watcher.#watchTree(root, true);
    return watcher;
  }

  /** Folders watched now. */
  get folderCount(): number {
    return this.#watchers.size;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#quietTimer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  /** Watches `folder` and its sub-folders, breadth first so that a limit leaves out the deepest. */
  async #watchTree(folder: string, isRoot = false): Promise<void> {
    const queue = [folder];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (this.#closed || this.#watchers.has(next)) continue;
      if (!isRoot && !this.#watchesFolderNamed(basename(next))) continue;
      isRoot = false;
      if (this.#watchers.size >= this.#options.maxFolders) {
        if (!this.#limitNoticed) {
          this.#limitNoticed = true;
          this.#options.onNotice?.(
            `hot reload watches ${this.#options.maxFolders} folders at most; edits under ${next} and further folders are not seen`,
          );
        }
        return;
      }
      let entries: Dirent[];
      try {
        entries = await readdir(next, { withFileTypes: true });
        this.#watchFolder(next);
      } catch (error) {
        // Gone since it was listed, or unreadable: there is nothing to watch there.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#options.onNotice?.(`hot reload cannot watch ${next}: ${(error as Error).message}`);
        }
        continue;
      }
      // Symbolic links are not followed (Dirent.isDirectory is false for them): no cycles.
      for (const entry of entries) if (entry.isDirectory()) queue.push(join(next, entry.name));
    }
  }

  #watchesFolderNamed(name: string): boolean {
    return !name.startsWith('.') && !SKIPPED_FOLDERS.has(name);
  }

  #watchFolder(folder: string): void {
    const watcher = watch(folder, { persistent: false }, (_event, name) => this.#onEvent(folder, name));
    watcher.on('error', () => this.#unwatch(folder));
    this.#watchers.set(folder, watcher);
  }

  #unwatch(folder: string): void {
    for (const [path, watcher] of this.#watchers) {
      if (path === folder || path.startsWith(`${folder}${sep}`)) {
        watcher.close();
        this.#watchers.delete(path);
      }
    }
  }

  #onEvent(folder: string, name: string | null): void {
    if (this.#closed) return;
    // Linux names the entry; without a name the change is somewhere in the folder.
    if (name === null) {
      this.#changed(folder);
      return;
    }
    const path = join(folder, name);
    if (CODE_EXTENSIONS.has(extname(name).toLowerCase())) {
      this.#changed(path);
      return;
    }
    if (!this.#watchesFolderNamed(name)) return;
    // A folder created (or moved in) is watched too; one removed stops being watched.
    stat(path).then(
      (stats) => {
        if (stats.isDirectory()) void this.#watchTree(path);
      },
      () => this.#unwatch(path),
    );
  }

  #changed(path: string): void {
    if (this.#pending.size < MAX_REPORTED_FILES) this.#pending.add(path);
    else if (!this.#pending.has(path)) this.#pendingOverflow = true;
    const now = Date.now();
    if (this.#quietTimer === undefined) this.#firstChangeAt = now;
    clearTimeout(this.#quietTimer);
    const { debounceMs, maxDelayMs } = this.#options;
    const wait = Math.max(0, Math.min(debounceMs, this.#firstChangeAt + maxDelayMs - now));
    this.#quietTimer = setTimeout(() => this.#settle(), wait);
    this.#quietTimer.unref();
  }

  #settle(): void {
    this.#quietTimer = undefined;
    const change = { files: [...this.#pending], more: this.#pendingOverflow };
    this.#pending.clear();
    this.#pendingOverflow = false;
    if (!this.#closed) this.#options.onChange(change);
  }
}

/** A path as the user reads it in a log line: relative to `base` when inside it. */
export function displayPath(path: string, base: string): string {
  const inside = relative(base, path);
  return inside === '' || inside.startsWith('..') ? path : inside;
}
