/**
 * Uploads never sent with a message: on a directory they are deleted once a day
 * old, as the S3 bucket's lifecycle rule deletes them (docs/operations.md, "Files").
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryFileStore } from '../../src/store/files/directory-file-store.ts';
import { openFileStore } from '../../src/store/files/open-file-store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('unsent uploads on a directory', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  async function directory(files: Record<string, number>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'chat-uploads-'));
    dirs.push(root);
    for (const [key, ageMs] of Object.entries(files)) {
      const path = join(root, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, 'bytes');
      const at = new Date(Date.now() - ageMs);
      await utimes(path, at, at);
    }
    return root;
  }

  it('deletes the files under a prefix written before a time, and nothing else', async () => {
    const root = await directory({
      'uploads/r1/u1/old': 2 * DAY_MS,
      'uploads/r1/u1/new': 60_000,
      'uploads/r2/u2/interrupted.1b2c.part': 3 * DAY_MS,
      'files/r1/u1/attached-long-ago': 30 * DAY_MS,
    });
    const store = new DirectoryFileStore(root);
    assert.equal(await store.deleteOlderThan('uploads', Date.now() - DAY_MS), 2);
    assert.deepEqual(
      [
        'uploads/r1/u1/old',
        'uploads/r1/u1/new',
        'uploads/r2/u2/interrupted.1b2c.part',
        'files/r1/u1/attached-long-ago',
      ].map((key) => existsSync(join(root, key))),
      [false, true, false, true],
    );
    assert.equal(await store.deleteOlderThan('uploads', Date.now() - DAY_MS), 0);
    assert.equal(await new DirectoryFileStore(join(root, 'never-written')).deleteOlderThan('uploads', Date.now()), 0);
  });

  it('is swept when the chat opens its directory, by the age the settings give', async () => {
    const root = await directory({ 'uploads/r1/u1/two-hours-old': 2 * 60 * 60 * 1000, 'uploads/r1/u1/fresh': 0 });
    const warnings: object[] = [];
    const opened = await openFileStore(
      { dir: root, unattachedUploadExpiryMs: 60 * 60 * 1000 },
      { dataDir: root, cluster: false, logger: { warn: (details) => warnings.push(details) } },
    );
    try {
      for (let tries = 0; tries < 100 && existsSync(join(root, 'uploads/r1/u1/two-hours-old')); tries++)
        await sleep(20);
      assert.equal(existsSync(join(root, 'uploads/r1/u1/two-hours-old')), false);
      assert.equal(existsSync(join(root, 'uploads/r1/u1/fresh')), true);
      assert.deepEqual(warnings, []);
    } finally {
      opened.close();
    }
  });
});
