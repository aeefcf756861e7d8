/**
 * The chat protocol suite (chat-protocol-suite.ts) on the embedded deployment:
 * one `startChatServer` in this process, on a SQLite file in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startChatServer } from '../src/server.ts';
import { DATABASE_FILE } from '../src/store/sqlite/sqlite-chat-store.ts';
import { describeChatProtocol } from './chat-protocol-suite.ts';
import { embeddedTestServer } from './test-settings.ts';

describeChatProtocol('chat protocol over the gateway, on SQLite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-protocol-'));
  const chat = await startChatServer(embeddedTestServer(dataDir));
  return {
    nodes: [chat],
    async storeOutage() {
      // Another writer holds the database's write lock for longer than the store waits (busy timeout).
      const holder = new Database(join(dataDir, DATABASE_FILE));
      holder.exec('BEGIN IMMEDIATE');
      return async () => {
        holder.exec('ROLLBACK');
        holder.close();
      };
    },
    async close() {
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
