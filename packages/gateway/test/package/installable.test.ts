/**
 * The package as a user gets it: `npm pack` builds a tarball of JavaScript and type
 * declarations, it installs into a fresh project, and `npx switchboard serve` there
 * runs the project's TypeScript handlers. Its dependencies come from npm's cache or
 * registry, as for any install.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, withTimeout } from '../support/gateway-harness.ts';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const repositoryRoot = join(packageDir, '..', '..');
const fixture = join(here, '..', 'fixtures', 'installed-app');

/** A user's environment: none of the repository's test settings (its source export condition above all). */
const { NODE_OPTIONS: _, SWITCHBOARD_PORT: __, ...userEnv } = process.env;

// The checks after the install are independent: they run side by side.
describe('the packed @switchboard/gateway', { concurrency: true }, () => {
  let work: string;
  let app: string;
  let packedFiles: string[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'switchboard-pack-'));
    app = join(work, 'app');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: packageDir,
      env: userEnv,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed);
    packedFiles = packed.files.map((file) => file.path);
    await cp(fixture, app, { recursive: true });
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-websocket-app', version: '1.0.0' }));
    await run(
      'npm',
      ['install', '-D', join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      { cwd: app, env: userEnv },
    );
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('holds the JavaScript build, its type declarations and the CLI, without sources or tests', () => {
    for (const file of ['bin/switchboard.mjs', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'package.json']) {
      assert.ok(packedFiles.includes(file), `the tarball lacks ${file}`);
    }
    assert.deepEqual(
      packedFiles.filter((file) => file.startsWith('src/') || file.startsWith('test/')),
      [],
    );
  });

  it('imports as an ES module and type-checks against its declarations', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@switchboard/gateway'); console.log(typeof m.createGateway)",
      ],
      { cwd: app, env: userEnv },
    );
    assert.equal(stdout.trim(), 'function');
    const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(repositoryRoot, 'node_modules', '@types'),
        'consumer.mts',
      ],
      { cwd: app, env: userEnv },
    );
  });

  it('npx switchboard serve runs the project: connect, message, disconnect', async () => {
    const server = spawn('npx', ['switchboard', 'serve', 'switchboard.yaml', '--port', '0'], {
      cwd: app,
      env: userEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npx, the CLI and its relaunched child stop together.
      detached: true,
    });
    after(() => stopGroup(server));
    const output = collect(server);
    const url = await withTimeout(output.waitFor(/WebSocket:\s+(ws:\/\/\S+)/), 30_000, 'serve printed no URL');
    assert.match(url, /\/live$/);

    const client = await connect(url);
    client.send('hello');
    assert.equal(await client.next(), 'echo: hello');
    await client.close();
    await withTimeout(output.waitFor(/disconnected (\S+)/), 10_000, '$disconnect did not run');
  });
});

function collect(child: ChildProcess): { waitFor(pattern: RegExp): Promise<string> } {
  let text = '';
  const waiters: { pattern: RegExp; resolve(match: string): void }[] = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(text);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match[1] ?? match[0]);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const match = pattern.exec(text);
        if (match) resolve(match[1] ?? match[0]);
        else waiters.push({ pattern, resolve });
        child.once('exit', (code) => reject(new Error(`switchboard exited with ${code}:\n${text}`)));
      }),
  };
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
