/**
 * Where a changed JavaScript file has a syntax error, for the hot reload report:
 * on Node 20 an ES module's SyntaxError names neither its file nor its line, so
 * the changed files are checked with `node --check`, which prints `file:line`.
 * At most `MAX_CHECKED_FILES` files, one at a time, each bounded in time.
 */
import { execFile } from 'node:child_process';
import { extname } from 'node:path';

const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs']);
const MAX_CHECKED_FILES = 5;
const CHECK_TIMEOUT_MS = 10_000;

/** The first `file:line` with a syntax error among `files`, or undefined. */
export async function syntaxErrorLocation(files: readonly string[]): Promise<string | undefined> {
  const candidates = files.filter((file) => JAVASCRIPT.has(extname(file).toLowerCase())).slice(0, MAX_CHECKED_FILES);
  for (const file of candidates) {
    const location = await check(file);
    if (location !== undefined) return location;
  }
  return undefined;
}

function check(file: string): Promise<string | undefined> {
  // The user's preloads (NODE_OPTIONS) have nothing to do with the syntax of one file.
  const { NODE_OPTIONS: _, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--check', file], { env, timeout: CHECK_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error === null) return resolve(undefined);
      const firstLine = stderr.split('\n', 1)[0] ?? '';
      resolve(/^(.+):(\d+)$/.test(firstLine) && firstLine.startsWith(file) ? firstLine : undefined);
    });
  });
}
