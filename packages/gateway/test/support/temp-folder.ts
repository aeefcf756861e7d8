/** Test support: a temporary folder of files for a suite. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';

/**
 * Called in a `describe` body: creates a folder holding `files` (relative path ->
 * text) before the suite's tests and removes it after them. Returns its path.
 */
export function temporaryFolder(prefix: string, files: Record<string, string>): () => string {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));
  return () => dir;
}
