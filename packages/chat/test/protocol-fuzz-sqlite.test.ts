/** Arbitrary frames for every action (protocol-fuzz-suite.ts) on the embedded store (SQLite, a file of this run). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { runProtocolFuzz } from './protocol-fuzz-suite.ts';

runProtocolFuzz(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-fuzz-'));
    const store = SqliteChatStore.open(join(dir, 'chat.db'));
    return {
      store,
      fanOut: 'channels',
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  1_500,
);
