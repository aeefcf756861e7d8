import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WalSync } from '../src/store/sqlite/wal-sync.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function walSync(name: string): WalSync {
  const database = join(dir, name);
  writeFileSync(`${database}-wal`, '');
  return new WalSync(database, (error) => (error instanceof Error ? error : new Error(String(error))));
}

describe('WalSync', () => {
  it('holds every commit counted until a sync after it ends, and one sync covers the commits made while another ran', async () => {
    const sync = walSync('group.db');
    assert.equal(sync.pending, false);
    await sync.whenDurable();
    sync.committed();
    assert.equal(sync.pending, true);
    const first = sync.whenDurable();
    // Counted while the first sync runs: the next sync covers both.
    sync.committed();
    sync.committed();
    const later = sync.whenDurable();
    await first;
    await later;
    assert.equal(sync.pending, false);
    sync.close();
  });

  it('syncs on the spot for a write that must follow the commits before it, and at close', async () => {
    const sync = walSync('now.db');
    sync.committed();
    const durable = sync.whenDurable();
    sync.syncNow();
    assert.equal(sync.pending, false);
    await durable;
    sync.committed();
    const atClose = sync.whenDurable();
    sync.close();
    await atClose;
  });
});
