/**
 * The real chat (scenario 6): `startChatServer` with its SQLite store in a
 * temporary directory, in a process of its own on the server core. Answers
 * `ready` with its WebSocket and HTTP addresses and exits when the runner goes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The package does not export the server entry yet; the bench runs it from source.
import { startChatServer } from '@switchboard/chat/server';

const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-chat-'));
const chat = await startChatServer({ port: 0, dataDir, logger: false });
process.send?.({ type: 'ready', url: chat.url, webSocketUrl: chat.webSocketUrl });
process.on('disconnect', () => {
  void chat.close().finally(() => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
