import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'bin', 'switchboard.mjs');
const example = join(here, '..', 'fixtures', 'example', 'switchboard.yaml');
const TIMEOUT_MS = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion; the child is killed if it outlives the timeout. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { timeout: TIMEOUT_MS, env: { ...process.env, SWITCHBOARD_PORT: undefined, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe('switchboard CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const args of [['--help'], ['help'], ['serve', '--help']]) {
    it(`${args.join(' ')} documents commands, options, environment and config, and exits 0`, async () => {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 0, stderr);
      for (const text of ['serve <file>', '--port', '--host', 'SWITCHBOARD_PORT', 'routes:', 'docs/gateway.md']) {
        assert.ok(stdout.includes(text), `help lacks ${text}`);
      }
    });
  }

  const usageErrors = [
    { args: [], problem: /no command given/ },
    { args: ['srve', 'x.yaml'], problem: /unknown command "srve"/ },
    { args: ['serve', example, '--prot', '1'], problem: /Unknown option '--prot'/ },
    { args: ['serve', example, '--port'], problem: /--port/ },
    { args: ['serve'], problem: /serve needs a file/ },
    { args: ['serve', example, 'extra.yaml'], problem: /unexpected argument "extra.yaml"/ },
    { args: ['serve', example, '--port', '70000'], problem: /invalid port "70000": use an integer from 0 to 65535/ },
    { args: ['serve', example, '--port', '3.5'], problem: /invalid port "3.5"/ },
    { args: ['serve', example, '--port', '-1'], problem: /--port/ },
    {
      args: ['serve', example, '--management-port', 'admin'],
      problem: /invalid management port "admin": use an integer from 0 to 65535/,
    },
  ];
  for (const { args, problem } of usageErrors) {
    it(`"${args.join(' ')}" is a usage error with exit code 2`, async () => {
      const { code, stderr } = await run(args);
      assert.equal(code, 2);
      assert.match(stderr, /^switchboard: /);
      assert.match(stderr, problem);
      assert.match(stderr, /Run "switchboard --help" for usage\./);
    });
  }

  it('an invalid SWITCHBOARD_PORT is a usage error', async () => {
    const { code, stderr } = await run(['serve', example], { SWITCHBOARD_PORT: 'http' });
    assert.equal(code, 2);
    assert.match(stderr, /invalid port "http"/);
  });

  it('a missing config file exits 1 naming the file', async () => {
    const { code, stderr } = await run(['serve', join(dir, 'absent.yaml')]);
    assert.equal(code, 1);
    assert.equal(stderr, `switchboard: ${join(dir, 'absent.yaml')}: config file not found: check the path\n`);
  });

  it('an invalid config exits 1 naming the file, line and problem', async () => {
    const file = join(dir, 'typo.yaml');
    await writeFile(file, 'stage: dev\nroutes:\n  $default:\n    handlr: handlers.mjs#echo\n');
    const { code, stderr } = await run(['serve', file]);
    assert.equal(code, 1);
    assert.equal(
      stderr,
      `switchboard: ${file}:4: routes.$default.handlr: unknown key "handlr": did you mean "handler"?\n`,
    );
  });

  it('a YAML syntax error exits 1 naming the file and line', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'routes:\n  $default:\n    handler: a.mjs\n   x: 1\n');
    const { code, stderr } = await run(['serve', file]);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^switchboard: ${escapeRegExp(file)}:4: YAML syntax error: `));
  });

  it('a handler module that does not exist exits 1 with the handler error', async () => {
    const file = join(dir, 'missing-handler.yaml');
    await writeFile(file, 'routes:\n  $default:\n    handler: nowhere.mjs#echo\n');
    const { code, stderr } = await run(['serve', file, '--port', '0']);
    assert.equal(code, 1);
    assert.match(stderr, /^switchboard: .*nowhere\.mjs/);
  });

  describe('serve', () => {
    let child: ChildProcess | undefined;
    after(() => {
      child?.kill('SIGKILL');
    });

    it('serves the example, prints its URLs, and exits 0 on SIGINT', async () => {
      const server = spawn(process.execPath, [bin, 'serve', example, '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = server;
      let stderr = '';
      server.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      const banner = await readUntil(server, /Press Ctrl\+C/);
      // Hot reload is on by default, over the config's folder.
      assert.match(banner, /Hot reload: +watching \S*fixtures\/example \(--no-watch to turn off\)/);
      const url = /WebSocket:\s+(ws:\/\/127\.0\.0\.1:(\d+)\/dev)\s/.exec(banner);
      assert.ok(url?.[1], `no WebSocket URL in ${banner}`);
      // The management listener is another port: @connections and /metrics are not on the public one.
      const management = /@connections:\s+http:\/\/127\.0\.0\.1:(\d+)\/dev\s/.exec(banner);
      assert.ok(management?.[1], `no @connections URL in ${banner}`);
      assert.notEqual(management[1], url[2]);
      assert.match(banner, new RegExp(`Metrics:\\s+http://127\\.0\\.0\\.1:${management[1]}/metrics`));
      assert.match(banner, new RegExp(`Developer:\\s+http://127\\.0\\.0\\.1:${management[1]}/developer`));

      const socket = new WebSocket(url[1]);
      await once(socket, 'open');
      socket.send('{"action":"nothing-matches"}');
      const [reply] = await withTimeout(once(socket, 'message'), 'no echo');
      assert.equal(String(reply), '{"action":"nothing-matches"}');
      socket.close();
      await once(socket, 'close');

      server.kill('SIGINT');
      const [code] = await withTimeout(once(server, 'exit'), 'the server did not exit on SIGINT');
      assert.equal(code, 0, stderr);
      child = undefined;
    });

    it('resolves a relative config against the folder npx was run from, not the package folder npm runs it in; --no-watch', async () => {
      // npx runs a bin in the nearest package's folder and names the user's folder in INIT_CWD.
      const server = spawn(process.execPath, [bin, 'serve', basename(example), '--port', '0', '--no-watch'], {
        cwd: tmpdir(),
        env: { ...process.env, npm_command: 'exec', INIT_CWD: dirname(example) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = server;
      const banner = await readUntil(server, /Press Ctrl\+C/);
      assert.match(banner, /serving switchboard\.yaml/);
      assert.ok(!banner.includes('Hot reload'), banner);
      server.kill('SIGINT');
      await withTimeout(once(server, 'exit'), 'the server did not exit on SIGINT');
      child = undefined;
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function withTimeout<T>(promise: Promise<T>, problem: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(problem)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Collects the child's stdout until `pattern` matches, the child exits, or the timeout passes. */
function readUntil(child: ChildProcess, pattern: RegExp): Promise<string> {
  let output = '';
  const found = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      if (pattern.test(output)) resolve(output);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${output}`)));
  });
  return withTimeout(found, `no ${pattern} in ${JSON.stringify(output)}`);
}
