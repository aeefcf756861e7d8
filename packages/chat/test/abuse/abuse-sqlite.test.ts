/** The abuse suite on the embedded chat: one server on SQLite, behind a trusted proxy. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { startChatServer } from '../../src/server.ts';
import { cheapPasswordCost } from '../test-settings.ts';
import { runAbuseSuite, selfHostedNode, TRUSTED_LOOPBACK } from './abuse-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-abuse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runAbuseSuite('SQLite', async () => {
  const chat = await startChatServer({
    port: 0,
    dataDir: dir,
    webRoot: join(dir, 'no-web'),
    logger: false,
    trustedProxies: TRUSTED_LOOPBACK,
    // The limits are what is tested; the hash's cost is not.
    passwordCost: cheapPasswordCost,
  });
  return { nodes: [selfHostedNode(chat)], close: () => chat.close() };
});
