/** The heartbeat on the embedded store (SQLite). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runHeartbeatSuite } from './heartbeat-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-heartbeat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runHeartbeatSuite('SQLite', async () => {
  const store = SqliteChatStore.open(join(dir, 'chat.db'), { synchronous: 'NORMAL' });
  return { store, fanOut: 'channels', close: () => store.close() };
});
