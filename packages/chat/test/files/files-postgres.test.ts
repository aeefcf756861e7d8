/**
 * File attachments as a cluster keeps them: PostgreSQL for the messages, and a
 * directory that every node shares (here: two nodes, one uploads, the other serves).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ChatServer, startChatServer } from '../../src/server.ts';
import { cheapPasswordCost, relaxedRateLimits } from '../test-settings.ts';
import { runFileSuite, SUITE_MAX_BYTES } from './files-suite.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

runFileSuite('PostgreSQL, shared directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-files-pg-'));
  const schema = `chat_files_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const filesDir = join(dir, 'shared-files');
  const start = (node: string): Promise<ChatServer> =>
    startChatServer({
      port: 0,
      dataDir: join(dir, node),
      logger: false,
      tokenSecret: 'a-test-secret-that-is-at-least-32-bytes',
      database: { url: databaseUrl, schema },
      rateLimits: relaxedRateLimits,
      passwordCost: cheapPasswordCost,
      files: { dir: filesDir, limits: { maxBytes: SUITE_MAX_BYTES } },
    });
  const first = await start('one');
  const second = await start('two');
  return {
    // Uploads and sends go to the first node; the second gives and serves the links.
    chat: first,
    otherUrl: second.url,
    filesDir,
    async close() {
      await Promise.all([first.close(), second.close()]);
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
