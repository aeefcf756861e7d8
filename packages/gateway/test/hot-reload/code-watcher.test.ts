/**
 * The code watcher on real folders: a burst of writes is one bounded report;
 * dependencies, hidden folders and files other than code are not the app's code.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CodeChange, CodeWatcher, MAX_REPORTED_FILES } from '../../src/hot-reload/code-watcher.ts';
import { withTimeout } from '../support/gateway-harness.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

describe('CodeWatcher', () => {
  const folder = temporaryFolder('switchboard-code-watcher-', {
    'src/app.mjs': '',
    'node_modules/dep/index.js': '',
    '.switchboard/dynamodb/data.json': '',
    'nested/cdk.out/asset.1/index.js': '',
  });

  async function watch(): Promise<{ watcher: CodeWatcher; next: () => Promise<CodeChange> }> {
    const changes: CodeChange[] = [];
    let wake: (() => void) | undefined;
    const watcher = await CodeWatcher.start({
      roots: [folder()],
      onChange: (change) => {
        changes.push(change);
        wake?.();
      },
    });
    after(() => watcher.close());
    const next = async (): Promise<CodeChange> => {
      await withTimeout(
        (async () => {
          while (changes.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        })(),
        30_000,
        'no change reported',
      );
      return changes.shift() as CodeChange;
    };
    return { watcher, next };
  }

  it('watches the app folders only: not node_modules, hidden folders or a nested cdk.out', async () => {
    const { watcher } = await watch();
    assert.equal(watcher.folderCount, 3, 'the root, src and nested');
  });

  it('reports a burst of writes once, naming at most MAX_REPORTED_FILES files, and ignores what is not code', async () => {
    const { next } = await watch();
    // Written in one tick: the events arrive together, before the quiet time ends.
    writeFileSync(join(folder(), 'node_modules', 'dep', 'index.js'), 'changed');
    writeFileSync(join(folder(), 'src', '.app.mjs.swp'), 'swap');
    writeFileSync(join(folder(), 'src', 'app.mjs~'), 'backup');
    for (let index = 0; index < MAX_REPORTED_FILES + 5; index++) {
      writeFileSync(join(folder(), 'src', `file${index}.ts`), `export const n = ${index};`);
    }
    const change = await next();
    assert.equal(change.files.length, MAX_REPORTED_FILES);
    assert.equal(change.more, true);
    assert.ok(
      change.files.every((file) => /src[\\/]file\d+\.ts$/.test(file)),
      change.files.join(', '),
    );
    writeFileSync(join(folder(), 'src', 'app.mjs'), 'export {};');
    assert.deepEqual(await next(), { files: [join(folder(), 'src', 'app.mjs')], more: false });
  });
});
