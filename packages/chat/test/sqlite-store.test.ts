import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../src/store/sqlite/migrations.ts';
import { DATABASE_FILE, SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runStoreConformance } from './store-conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = join(dir, 'data', DATABASE_FILE);
runStoreConformance('SqliteChatStore', async () => {
  const store = SqliteChatStore.open(file);
  return { store, close: () => store.close() };
});

describe('SqliteChatStore', () => {
  it('opens in WAL mode with the latest schema version', async () => {
    const path = join(dir, 'pragmas.db');
    const store = SqliteChatStore.open(path);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'newer.db');
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    assert.throws(() => SqliteChatStore.open(path), /newer than this code knows/);
  });

  it('reports a failing database as STORE_UNAVAILABLE', async () => {
    const store = SqliteChatStore.open(join(dir, 'closed.db'));
    await store.close();
    await assert.rejects(store.getUser('x'), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
  });
});
