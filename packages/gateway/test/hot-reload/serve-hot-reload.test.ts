/**
 * Hot reload as a user meets it: `switchboard serve serverless.yml` in a temporary
 * folder, a real `ws` client, the handler file edited while the client stays
 * connected, and the report lines on standard output and standard error.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connect, withTimeout } from '../support/gateway-harness.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'switchboard.mjs');
const WAIT_MS = 60_000;

const SERVICE = `service: hot
provider:
  name: aws
  runtime: nodejs20.x
functions:
  echo:
    handler: src/app.handler
    events:
      - websocket:
          route: $default
          routeResponseSelectionExpression: $default
`;

const handler = (version: string): string =>
  `export const handler = async (event) => ({ statusCode: 200, body: '${version}:' + event.body });\n`;

/** Everything a stream printed so far, and a wait for a pattern in it. */
function collect(stream: NodeJS.ReadableStream): (pattern: RegExp) => Promise<string> {
  let text = '';
  const waiters = new Set<() => void>();
  stream.on('data', (chunk: Buffer) => {
    text += chunk;
    for (const waiter of waiters) waiter();
  });
  return (pattern) =>
    withTimeout(
      new Promise<string>((resolve) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match) {
            waiters.delete(check);
            resolve(match[0]);
          }
        };
        waiters.add(check);
        check();
      }),
      WAIT_MS,
      `no ${pattern} in ${JSON.stringify(text)}`,
    );
}

describe('switchboard serve with hot reload', { timeout: 180_000 }, () => {
  const folder = temporaryFolder('switchboard-serve-reload-', {
    'serverless.yml': SERVICE,
    'src/app.mjs': handler('v1'),
  });

  it('reloads an edited handler on the same connection, and reports a handler that does not load', async () => {
    const child: ChildProcess = spawn(process.execPath, [bin, 'serve', 'serverless.yml', '--port', '0'], {
      cwd: folder(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    after(() => child.kill('SIGKILL'));
    const stdout = collect(child.stdout as NodeJS.ReadableStream);
    const stderr = collect(child.stderr as NodeJS.ReadableStream);
    const banner = await stdout(/serving[\s\S]*Press Ctrl\+C/);
    assert.match(banner, /Hot reload: +watching \. \(--no-watch to turn off\)/);
    const url = /WebSocket: +(ws:\S+)/.exec(banner)?.[1] ?? '';
    const client = await connect(url);
    client.send('a');
    assert.equal(await client.next(WAIT_MS), 'v1:a');

    await writeFile(join(folder(), 'src', 'app.mjs'), handler('v2'));
    await stdout(/switchboard: src\/app\.mjs changed: reloaded 1 of 1 function\n/);
    client.send('b');
    assert.equal(await client.next(WAIT_MS), 'v2:b');

    await writeFile(join(folder(), 'src', 'app.mjs'), 'export const handler = async (event) => {\n');
    const reported = await stderr(/switchboard: src\/app\.mjs changed, but .*\n/);
    assert.match(
      reported,
      /but hot-dev-echo could not load the new code and keeps serving the previous one: Cannot load handler module .*src\/app\.mjs/,
    );
    client.send('c');
    assert.equal(await client.next(WAIT_MS), 'v2:c');

    await writeFile(join(folder(), 'src', 'app.mjs'), handler('v3'));
    await stdout(
      /src\/app\.mjs changed: reloaded 1 of 1 function\n[\s\S]*src\/app\.mjs changed: reloaded 1 of 1 function\n/,
    );
    client.send('d');
    assert.equal(await client.next(WAIT_MS), 'v3:d');
    await client.close();
    child.kill('SIGINT');
    const [code] = await withTimeout(once(child, 'exit'), WAIT_MS, 'serve did not exit on SIGINT');
    assert.equal(code, 0);
  });
});
