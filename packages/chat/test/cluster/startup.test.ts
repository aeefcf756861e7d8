/**
 * `main.ts` refusing to start a node it cannot run: an unreachable or malformed
 * REDIS_URL or DATABASE_URL, or a missing shared setting, ends the process with
 * exit code 1 and one line naming the setting, within a bound (the child is
 * killed, and the test fails, if it hangs).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WAIT_MS } from '../chat-test-client.ts';
import {
  databaseUrl,
  dropSchemas,
  freePort,
  freshKeyPrefix,
  freshSchema,
  probe,
  redisUrl,
  TOKEN_SECRET,
} from './cluster-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
after(dropSchemas);

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** Runs main.ts with only the given chat settings; SIGKILLs it (code null) if it has not exited within the bound. */
function runMain(
  env: Record<string, string>,
  args: string[] = [],
  onOutput?: (stdout: string, child: ChildProcess) => void,
): Promise<{ code: number | null; stderr: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        ![
          'PORT',
          'HOST',
          'DATA_DIR',
          'DATABASE_URL',
          'DATABASE_SCHEMA',
          'REDIS_URL',
          'NODE_ID',
          'WORKERS',
          'CHAT_TOKEN_SECRET',
        ].includes(name),
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...inherited, PORT: '0', DATA_DIR: join(dir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, child);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS * 2);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** Asserts exit code 1 and a first stderr line that starts with `chat:` and matches `pattern`. */
function assertRefused(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit code (stderr: ${result.stderr})`);
  const first = result.stderr.split('\n')[0]!;
  assert.match(first, /^chat: /);
  assert.match(first, pattern);
}

describe('main.ts in cluster mode', () => {
  it('exits 1 naming REDIS_URL when Redis cannot be reached', async () => {
    const port = await freePort();
    const result = await runMain({
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: freshSchema(),
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CHAT_TOKEN_SECRET: TOKEN_SECRET,
    });
    assertRefused(result, new RegExp(`Cannot reach Redis at REDIS_URL \\(redis://127\\.0\\.0\\.1:${port}\\)`));
  });

  it('exits 1 naming DATABASE_URL when PostgreSQL cannot be reached, without printing its password', async () => {
    const port = await freePort();
    const result = await runMain({
      DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/test`,
      REDIS_URL: redisUrl,
      CHAT_TOKEN_SECRET: TOKEN_SECRET,
    });
    assertRefused(
      result,
      new RegExp(
        `Cannot use the PostgreSQL database at DATABASE_URL \\(postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/test\\): .*ECONNREFUSED`,
      ),
    );
    assert.doesNotMatch(result.stderr, /hunter2/);
  });

  it('exits 1 naming the setting for a malformed URL or a missing shared secret', async () => {
    assertRefused(
      await runMain({ DATABASE_URL: databaseUrl, REDIS_URL: 'http://127.0.0.1:6379', CHAT_TOKEN_SECRET: TOKEN_SECRET }),
      /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/,
    );
    assertRefused(
      await runMain({ DATABASE_URL: 'localhost/test', REDIS_URL: redisUrl, CHAT_TOKEN_SECRET: TOKEN_SECRET }),
      /DATABASE_URL is not a URL/,
    );
    assertRefused(await runMain({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }), /CHAT_TOKEN_SECRET/);
  });

  it('exits 1 when --workers asks for more than one process without a cluster', async () => {
    assertRefused(
      await runMain({}, ['--workers', '2']),
      /--workers 2 needs DATABASE_URL \(or DYNAMODB_TABLE\) and REDIS_URL/,
    );
  });

  it('runs --workers 2 as two nodes on one port, and drains both on SIGTERM', async () => {
    const port = await freePort();
    const workers = new Set<string>();
    let ready: { status: number; body: Record<string, unknown> } | undefined;
    const result = await runMain(
      {
        PORT: String(port),
        MANAGEMENT_PORT: '0',
        DATABASE_URL: databaseUrl,
        DATABASE_SCHEMA: freshSchema(),
        REDIS_URL: redisUrl,
        CHAT_TOKEN_SECRET: TOKEN_SECRET,
        NODE_ID: freshKeyPrefix(),
      },
      ['--workers', '2'],
      (stdout, child) => {
        for (const match of stdout.matchAll(/running at \S+ .*\(worker (\d+), pid \d+\)/g)) workers.add(match[1]!);
        if (workers.size < 2 || ready) return;
        ready = { status: 0, body: {} };
        void probe(`http://127.0.0.1:${port}`, '/readyz')
          .then((answer) => {
            ready = answer;
          })
          .finally(() => child.kill('SIGTERM'));
      },
    );
    assert.deepEqual([...workers].sort(), ['1', '2']);
    assert.equal(ready?.status, 200);
    assert.equal(result.code, 0, result.stderr);
  });
});
