/**
 * `runWorkers` (one node per core on one machine) and `switchboard serve --workers`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { runCli } from '../../src/cli.ts';
import { connect, EventRecorder, withTimeout } from '../support/gateway-harness.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'workers.ts');

interface Line {
  ready?: boolean;
  worker?: number;
  pid?: number;
  port?: number;
}

/** Forking workers that each load the gateway's TypeScript takes long on a loaded machine. */
const STARTUP_MS = 60_000;

describe('runWorkers', () => {
  it('runs two workers on one port, restarts one that dies, and drains both with 1001 on SIGTERM', async () => {
    const primary = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    after(() => primary.kill('SIGKILL'));
    const exited = once(primary, 'exit');
    const lines = new EventRecorder<Line>();
    createInterface({ input: primary.stdout }).on('line', (line) => lines.record(JSON.parse(line) as Line));
    let stderr = '';
    primary.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    assert.deepEqual(await lines.nth(3, STARTUP_MS), { ready: true });
    const workers = lines.events.slice(0, 2);
    assert.deepEqual(workers.map((line) => line.worker).sort(), [1, 2]);
    const port = workers[0]?.port;
    assert.equal(workers[1]?.port, port, 'the workers share one port');
    assert.notEqual(workers[0]?.pid, workers[1]?.pid);

    // The primary hands connections to both workers.
    const url = `ws://127.0.0.1:${port}/dev`;
    const clients = [];
    const pids = new Set<string>();
    for (let attempt = 0; attempt < 10 && pids.size < 2; attempt++) {
      const client = await connect(url);
      clients.push(client);
      client.send('pid?');
      pids.add(await client.next());
    }
    assert.equal(pids.size, 2, 'connections reached only one worker');

    // A worker that dies is started again, under the same worker id.
    const victim = workers[0] as Line;
    process.kill(victim.pid as number, 'SIGKILL');
    const replacement = await lines.nth(4, STARTUP_MS);
    assert.equal(replacement.worker, victim.worker);
    assert.notEqual(replacement.pid, victim.pid);
    assert.match(stderr, new RegExp(`worker ${victim.worker} exited with SIGKILL; starting it again`));

    const survivor = await connect(url);
    primary.kill('SIGTERM');
    const [code] = (await withTimeout(exited, 20_000, 'the primary did not exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal((await withTimeout(survivor.closed, 3000, 'the client was not closed')).code, 1001);
    for (const client of clients) {
      const { code: closeCode } = await withTimeout(client.closed, 3000, 'a client was not closed');
      // Clients of the killed worker lost their connection (1006); the others were drained.
      assert.ok(closeCode === 1001 || closeCode === 1006, `close code ${closeCode}`);
    }
  });
});

describe('switchboard serve --workers', () => {
  const run = async (args: string[]): Promise<{ code: number | undefined; stderr: string }> => {
    let stderr = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        stderr += chunk.toString();
        done();
      },
    });
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      return { code: await runCli(args, { stdout: sink, stderr: sink }), stderr };
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
  };

  it('above 1 without --redis-url or REDIS_URL is a usage error naming both', async () => {
    const { code, stderr } = await run(['serve', 'switchboard.yaml', '--workers', '2']);
    assert.equal(code, 2);
    assert.match(stderr, /--workers above 1 needs --redis-url or REDIS_URL/);
  });

  it('a worker count that is not 1 to 256 is a usage error', async () => {
    for (const count of ['0', 'two', '1000']) {
      const { code, stderr } = await run(['serve', 'switchboard.yaml', '--workers', count]);
      assert.equal(code, 2);
      assert.match(stderr, new RegExp(`invalid worker count "${count}"`));
    }
  });
});
