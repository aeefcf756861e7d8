/** Every answer fits one 128 KB message on the embedded store (SQLite). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runAnswerSizeSuite } from './answer-size-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-answer-size-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runAnswerSizeSuite('SQLite', async () => {
  const store = SqliteChatStore.open(join(dir, 'chat.db'), { synchronous: 'NORMAL' });
  return { store, fanOut: 'channels', close: () => store.close() };
});
