/**
 * The container image's recipe (the repository's Dockerfile), checked without
 * Docker: every file it copies from the build context exists and is not ignored;
 * it copies every workspace manifest (so `npm ci` can match the lockfile); it runs
 * as a non-root user; and its start command and health check, run here from the
 * checkout as the image lays it out, serve and pass, and SIGTERM ends the server
 * with exit code 0.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const scratch = mkdtempSync(join(tmpdir(), 'container-image-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Instructions with their arguments, continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ name: string; args: string }> {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', ...rest] = line.split(/\s+/);
      return { name: name.toUpperCase(), args: rest.join(' ') };
    });
}

const steps = instructions(dockerfile);
const named = (name: string) => steps.filter((step) => step.name === name);
/** The runtime stage: the instructions after the last FROM. */
const runtime = steps.slice(steps.findLastIndex((step) => step.name === 'FROM'));

/** What `ENV a=1 b=2` sets in the runtime stage. */
function runtimeEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const step of runtime.filter((s) => s.name === 'ENV')) {
    for (const pair of step.args.split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (key && value !== undefined) env[key] = value;
    }
  }
  return env;
}

/** The exec form (a JSON array) of CMD, or of HEALTHCHECK's CMD. */
function execForm(args: string): string[] {
  const array = JSON.parse(args.slice(args.indexOf('['))) as unknown;
  assert.ok(Array.isArray(array) && array.every((part) => typeof part === 'string'), args);
  return array;
}

describe('the Dockerfile', () => {
  it('copies only files that exist and that .dockerignore keeps in the build context', () => {
    const sources = named('COPY')
      .filter((step) => !step.args.startsWith('--from'))
      .flatMap((step) => step.args.split(/\s+/).slice(0, -1));
    assert.ok(sources.length > 5);
    for (const source of sources) {
      assert.ok(existsSync(join(root, source)), `${source} exists`);
      for (const pattern of ignored) {
        const name = pattern.replace(/^\*\*\//, '');
        assert.ok(!source.split('/').includes(name), `${source} is not ignored by ${pattern}`);
      }
    }
    for (const heavy of ['**/node_modules', '.git']) assert.ok(ignored.includes(heavy), `.dockerignore has ${heavy}`);
  });

  it('copies the manifest of every workspace before npm ci', () => {
    const manifests = named('COPY')
      .flatMap((step) => step.args.split(/\s+/))
      .filter((part) => part.endsWith('/package.json'));
    const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
      .workspaces;
    const expected = workspaces.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? ['chat', 'gateway', 'infra', 'web']
            .map((name) => `${pattern.slice(0, -1)}${name}/package.json`)
            .filter((path) => existsSync(join(root, path)))
        : [`${pattern}/package.json`],
    );
    assert.deepEqual(manifests.sort(), expected.sort());
  });

  it('runs as the unprivileged node user with a health check, on the port it exposes', () => {
    assert.deepEqual(
      runtime.filter((step) => step.name === 'USER').map((step) => step.args),
      ['node'],
    );
    assert.equal(named('HEALTHCHECK').length, 1);
    assert.match(named('HEALTHCHECK')[0]!.args, /\/healthz/);
    assert.deepEqual(
      named('EXPOSE').map((step) => step.args),
      [runtimeEnvironment().PORT],
    );
  });

  it('starts the server with its command; the health check passes; SIGTERM ends it with 0', async () => {
    const [command, ...args] = execForm(named('CMD').at(-1)!.args);
    assert.equal(command, 'node');
    // The image's environment, except what this machine cannot give: /data, and fixed ports that may be taken.
    // Listening on loopback only: the test needs nothing else.
    // NODE_OPTIONS (the test runner's source condition) is left out: the command must carry what it needs.
    const { NODE_OPTIONS: _, ...inherited } = process.env;
    const env = {
      ...inherited,
      ...runtimeEnvironment(),
      DATA_DIR: join(scratch, 'data'),
      HOST: '127.0.0.1',
      PORT: '0',
      MANAGEMENT_PORT: '0',
    };
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const found = /running at (http:\/\/\S+)/.exec(stdout)?.[1];
          if (found) resolve(found);
        });
        void exited.then((code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
      });
      const [check, ...checkArgs] = execForm(named('HEALTHCHECK')[0]!.args);
      assert.equal(check, 'node');
      await promisify(execFile)(process.execPath, checkArgs, {
        env: { ...process.env, PORT: new URL(url).port },
        timeout: 30_000,
      });
    } finally {
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      assert.equal(code, 0, stderr);
    }
  });
});
