/** File attachments on the embedded chat: SQLite, files in the data directory (its default). */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startChatServer } from '../../src/server.ts';
import { ChatClient, postJson, register } from '../chat-test-client.ts';
import { embeddedTestServer } from '../test-settings.ts';
import { runFileSuite, SUITE_MAX_BYTES } from './files-suite.ts';

runFileSuite('SQLite, data directory', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-files-'));
  const chat = await startChatServer({
    ...embeddedTestServer(dataDir),
    files: { limits: { maxBytes: SUITE_MAX_BYTES } },
  });
  return {
    chat,
    filesDir: join(dataDir, 'files'),
    async close() {
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describe('a chat without a file store', () => {
  it('tells clients it takes no files, and refuses uploads and attachments with FILES_NOT_ENABLED', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-no-files-'));
    const chat = await startChatServer({ ...embeddedTestServer(dataDir), files: false });
    try {
      const ada = await register(chat.url);
      const client = await ChatClient.connect(chat.webSocketUrl, ada.token);
      assert.equal((await client.ok({ action: 'hello' })).limits.files, null);
      const { room } = await client.ok({ action: 'createRoom', name: `nofiles-${Date.now()}` });
      const upload = await postJson(
        `${chat.url}/api/files`,
        { roomId: room.id, type: 'image/png', size: 10 },
        { authorization: `Bearer ${ada.token}` },
      );
      assert.equal(upload.status, 501);
      assert.equal(upload.body.code, 'FILES_NOT_ENABLED');
      const sent = await client.request({
        action: 'sendMessage',
        roomId: room.id,
        text: 'see file',
        clientMessageId: 'c1',
        attachments: [{ id: '7d0f9a52-1c3e-4b6a-8f2d-5e4c3b2a1f09', name: 'a.png', type: 'image/png' }],
      });
      assert.equal(sent.code, 'FILES_NOT_ENABLED');
      await client.close();
    } finally {
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a chat whose disk is nearly full', () => {
  it('refuses an upload that would leave less free space than the reserve, writing nothing, and goes on serving', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-disk-full-'));
    // A reserve no disk has: every upload would eat into it.
    const chat = await startChatServer({
      ...embeddedTestServer(dataDir),
      files: { minFreeBytes: Number.MAX_SAFE_INTEGER },
    });
    try {
      const ada = await register(chat.url);
      const client = await ChatClient.connect(chat.webSocketUrl, ada.token);
      const { room } = await client.ok({ action: 'createRoom', name: `full-${Date.now()}` });
      const bytes = Buffer.from('a few bytes of text');
      const created = await postJson(
        `${chat.url}/api/files`,
        { roomId: room.id, type: 'text/plain', size: bytes.length },
        { authorization: `Bearer ${ada.token}` },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const target = created.body.upload;
      const put = await fetch(new URL(target.url, chat.url), {
        method: 'PUT',
        body: bytes,
        headers: { ...target.headers, authorization: `Bearer ${ada.token}` },
      });
      assert.equal(put.status, 507);
      assert.equal(put.headers.get('connection'), 'close');
      const body = (await put.json()) as { code: string; message: string };
      assert.deepEqual(body, { code: 'STORAGE_FULL', message: 'The server has no room for more files right now.' });
      const uploads = join(dataDir, 'files', 'uploads');
      const written = readdirSync(uploads, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      assert.deepEqual(written, []);
      assert.equal((await fetch(`${chat.url}/healthz`)).status, 200);
      assert.equal((await client.ok({ action: 'hello' })).user.id, ada.user.id);
      await client.close();
    } finally {
      await chat.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
