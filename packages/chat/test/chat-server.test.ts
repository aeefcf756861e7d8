/**
 * The chat process: restart persistence on one data directory, start-up
 * failures with their typed errors, and `main.ts` as `npm start` runs it
 * (flags, printed URL, clean exit on SIGTERM, non-zero exit with a clear message).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startChatServer } from '../src/server.ts';
import { ChatServerError, ChatServerErrorCode } from '../src/server-error.ts';
import { DATABASE_FILE, SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ChatClient, type Frame, PASSWORD, postJson, register, uniqueName, WAIT_MS } from './chat-test-client.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const quiet = {
  port: 0,
  logger: false,
  webRoot: join(dir, 'no-web'),
  rateLimits: relaxedRateLimits,
  passwordCost: cheapPasswordCost,
} as const;

describe('startChatServer', () => {
  it('keeps accounts, rooms, messages and tokens across a restart on the same data directory', async () => {
    const dataDir = join(dir, 'restart');
    const username = uniqueName('keeper');
    let first = await startChatServer({ ...quiet, dataDir });
    let session: Frame;
    let roomId: string;
    let sent: Frame[];
    try {
      session = await register(first.url, username);
      const ada = await ChatClient.connect(first.webSocketUrl, session.token);
      const { room } = await ada.ok({ action: 'createRoom', name: uniqueName('kept') });
      roomId = room.id;
      sent = [];
      for (const text of ['first words', 'second thoughts']) {
        sent.push((await ada.ok({ action: 'sendMessage', roomId, text, clientMessageId: text })).message);
      }
      await ada.close();
    } finally {
      await first.close();
    }
    // A crash leaves connection records behind; the next start must not count them as online.
    const store = SqliteChatStore.open(join(dataDir, DATABASE_FILE));
    await store.addConnection({ connectionId: 'stale-connection', userId: session.user.id, connectedAt: Date.now() });
    await store.close();

    first = await startChatServer({ ...quiet, dataDir });
    try {
      const watcher = await register(first.url);
      const observer = await ChatClient.connect(first.webSocketUrl, watcher.token);
      const online = await observer.ok({ action: 'online' });
      assert.ok(!online.users.some((user: Frame) => user.id === session.user.id), 'stale connection cleared');
      await observer.close();

      const login = await postJson(`${first.url}/api/login`, { username, password: PASSWORD });
      assert.equal(login.status, 200);
      assert.equal(login.body.user.id, session.user.id);
      // The old token still works: the generated secret was kept in the data directory.
      const ada = await ChatClient.connect(first.webSocketUrl, session.token);
      const welcome = await ada.ok({ action: 'hello' });
      const kept = welcome.rooms.find((room: Frame) => room.id === roomId);
      assert.equal(kept.lastSeq, sent.at(-1)!.seq);
      const history = await ada.ok({ action: 'history', roomId });
      assert.deepEqual(history.messages, sent);
      const retry = await ada.ok({
        action: 'sendMessage',
        roomId,
        text: 'first words',
        clientMessageId: 'first words',
      });
      assert.deepEqual([retry.duplicate, retry.message.id], [true, sent[0]!.id]);
      const search = await ada.ok({ action: 'search', query: 'thoughts' });
      assert.deepEqual(
        search.results.map((result: Frame) => result.message.id),
        [sent[1]!.id],
      );
      await ada.close();
    } finally {
      await first.close();
    }
  });

  it('rejects with CHAT_SERVER_PORT_UNAVAILABLE when the port is taken', async () => {
    const taken = await startChatServer({ ...quiet, dataDir: join(dir, 'port-a') });
    try {
      const port = Number(new URL(taken.url).port);
      await assert.rejects(startChatServer({ ...quiet, port, dataDir: join(dir, 'port-b') }), (error: unknown) => {
        assert.ok(error instanceof ChatServerError);
        assert.equal(error.code, ChatServerErrorCode.portUnavailable);
        assert.match(error.message, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use`));
        return true;
      });
    } finally {
      await taken.close();
    }
  });

  it('rejects with CHAT_SERVER_CONFIG a numeric setting out of range, before it opens anything', async () => {
    const cases = [
      [{ guestIdleMs: 0 }, /^guestIdleMs must be a positive number of milliseconds, got 0\.$/],
      [{ heartbeatIntervalMs: 1.5 }, /^heartbeatIntervalMs must be a positive number of milliseconds, got 1\.5\.$/],
      [
        { presenceMaxRoomMembers: -1 },
        /^presenceMaxRoomMembers must be a whole number of members, 0 or more, got -1\.$/,
      ],
      [
        { presenceMaxRoomMembers: 2.5 },
        /^presenceMaxRoomMembers must be a whole number of members, 0 or more, got 2\.5\.$/,
      ],
    ] as const;
    for (const [setting, message] of cases) {
      const dataDir = join(dir, `config-${Object.keys(setting)[0]}`);
      await assert.rejects(startChatServer({ ...quiet, ...setting, dataDir }), (error: unknown) => {
        assert.ok(error instanceof ChatServerError, String(error));
        assert.equal(error.code, ChatServerErrorCode.config);
        assert.match(error.message, message);
        return true;
      });
      assert.equal(existsSync(dataDir), false, 'nothing was opened');
    }
  });

  it('rejects with CHAT_SERVER_DATA_DIR when the data directory cannot be created', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await assert.rejects(startChatServer({ ...quiet, dataDir: join(file, 'data') }), (error: unknown) => {
      assert.ok(error instanceof ChatServerError);
      assert.equal(error.code, ChatServerErrorCode.dataDir);
      assert.match(error.message, /Cannot use the data directory .*a-file/);
      return true;
    });
  });
});

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Runs main.ts; resolves with what it printed and how it ended. */
function runMain(
  args: string[],
  env: Record<string, string> = {},
  onOutput?: (text: string, child: ChildProcess) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, child);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS * 3);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('main.ts', () => {
  it('prints the URL, serves, and exits 0 on SIGTERM', async () => {
    let answered: number | undefined;
    const result = await runMain(
      ['--port', '0', '--data-dir', join(dir, 'main')],
      { HOST: '127.0.0.1' },
      (out, child) => {
        const url = /running at (http:\/\/\S+)/.exec(out)?.[1];
        if (!url || answered !== undefined) return;
        answered = 0;
        void postJson(`${url}/api/guest`, {})
          .then((answer) => {
            answered = answer.status;
          })
          .finally(() => child.kill('SIGTERM'));
      },
    );
    assert.equal(answered, 201);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ws:\/\/127\.0\.0\.1:\d+\/ws/);
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const taken = await startChatServer({ ...quiet, dataDir: join(dir, 'main-taken') });
    try {
      const { port } = new URL(taken.url);
      const result = await runMain(['--data-dir', join(dir, 'main-b')], { PORT: port, MANAGEMENT_PORT: '0' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`chat: Port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      await taken.close();
    }
  });

  it('exits 1 with a clear message for an unusable data directory or a bad port', async () => {
    const file = join(dir, 'main-file');
    writeFileSync(file, '');
    const unwritable = await runMain(['--port', '0'], { DATA_DIR: join(file, 'data') });
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /chat: Cannot use the data directory/);
    const badPort = await runMain(['--port', 'eighty']);
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /the port must be a number/);
  });
});
