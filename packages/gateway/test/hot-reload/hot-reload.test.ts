/**
 * Hot reload with real files edited in a temporary folder and real `ws` clients:
 * an edit reaches the next invocation without dropping connections, a module that
 * no longer loads is reported while the old code keeps serving, a fix loads, and an
 * invocation running during a reload finishes on the code it started with.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { GatewayDefinition } from '../../src/definition.ts';
import { HotReload } from '../../src/hot-reload/hot-reload.ts';
import { connect, startGateway, withTimeout } from '../support/gateway-harness.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

const HANDLER = `import { existsSync } from 'node:fs';
import { version } from './lib/version.mjs';

const gate = new URL('./release.flag', import.meta.url);

export const echo = async (event) => {
  if (event.body === 'slow') {
    // Bounded wait for the test to open the gate (a file the watcher ignores).
    for (let round = 0; round < 3000 && !existsSync(gate); round++) await new Promise((r) => setTimeout(r, 10));
  }
  return { statusCode: 200, body: \`\${version}:\${event.body}\` };
};
`;

const version = (text: string): string => `export const version = '${text}';\n`;

/** Report lines as they come, awaitable. */
class Reports {
  readonly lines: { line: string; failed: boolean }[] = [];
  #waiter: (() => void) | undefined;

  add = (line: string, failed: boolean): void => {
    this.lines.push({ line, failed });
    this.#waiter?.();
  };

  /** The next line after the `count` already seen. */
  async next(count: number): Promise<{ line: string; failed: boolean }> {
    await withTimeout(
      (async () => {
        while (this.lines.length <= count) await new Promise<void>((resolve) => (this.#waiter = resolve));
      })(),
      60_000,
      `report ${count + 1} did not come`,
    );
    return this.lines[count] as { line: string; failed: boolean };
  }
}

describe('hot reload', { timeout: 180_000 }, () => {
  const folder = temporaryFolder('switchboard-hot-reload-', {
    'handler.mjs': HANDLER,
    'lib/version.mjs': version('v1'),
    'node_modules/dependency/index.mjs': 'export {};\n',
  });

  async function serve(): Promise<{ url: string; reports: Reports }> {
    const definition: GatewayDefinition = {
      routes: { $default: { handler: 'handler.mjs#echo', routeResponse: true } },
    };
    const { gateway, url } = await startGateway(definition, { baseDir: folder() });
    const reports = new Reports();
    const hotReload = await HotReload.start({
      definition,
      baseDir: folder(),
      reload: () => gateway.reloadFunctions(),
      report: reports.add,
    });
    assert.ok(hotReload);
    after(() => hotReload.close());
    return { url, reports };
  }

  it('runs the edited code on the next message, on the same connections; a broken module keeps the old code until fixed', async () => {
    const { url, reports } = await serve();
    const client = await connect(url);
    const other = await connect(url);
    client.send('hello');
    assert.equal(await client.next(20_000), 'v1:hello');

    // 1. An edit to a file the handler imports (in a sub-folder).
    await writeFile(join(folder(), 'lib', 'version.mjs'), version('v2'));
    const reloaded = await reports.next(0);
    assert.deepEqual(reloaded, { line: `lib/version.mjs changed: reloaded 1 of 1 function`, failed: false });
    client.send('again');
    assert.equal(await client.next(20_000), 'v2:again');
    other.send('too');
    assert.equal(await other.next(20_000), 'v2:too', 'the other connection was kept too');

    // 2. A syntax error: reported with the file, the old code serves on.
    await writeFile(join(folder(), 'lib', 'version.mjs'), "export const version = 'v3\n");
    const broken = await reports.next(1);
    assert.equal(broken.failed, true);
    assert.match(
      broken.line,
      /^lib\/version\.mjs changed, but dev-default could not load the new code and keeps serving the previous one: Cannot load handler module .*handler\.mjs .*: Invalid or unexpected token \(the syntax error is at lib\/version\.mjs:1\)$/,
    );
    client.send('still');
    assert.equal(await client.next(20_000), 'v2:still');

    // 3. Fixed: the new code loads.
    await writeFile(join(folder(), 'lib', 'version.mjs'), version('v4'));
    assert.equal((await reports.next(2)).failed, false);
    client.send('fixed');
    assert.equal(await client.next(20_000), 'v4:fixed');
    assert.equal(client.socket.readyState, client.socket.OPEN);
    assert.equal(other.socket.readyState, other.socket.OPEN);
    await client.close();
    await other.close();
  });

  it('lets an invocation running during a reload finish on its code while the next ones run the new code', async () => {
    await writeFile(join(folder(), 'lib', 'version.mjs'), version('old'));
    const { url, reports } = await serve();
    const slow = await connect(url);
    const fast = await connect(url);
    fast.send('warm');
    assert.equal(await fast.next(20_000), 'old:warm');
    slow.send('slow');
    await writeFile(join(folder(), 'lib', 'version.mjs'), version('new'));
    assert.equal((await reports.next(0)).failed, false);
    fast.send('fast');
    assert.equal(await fast.next(20_000), 'new:fast');
    await writeFile(join(folder(), 'release.flag'), '');
    assert.equal(await slow.next(40_000), 'old:slow');
    assert.equal(reports.lines.length, 1, `a file other than code reloads nothing: ${JSON.stringify(reports.lines)}`);
    await slow.close();
    await fast.close();
  });

  it('watches a folder created after the start, and not node_modules', async () => {
    await writeFile(join(folder(), 'lib', 'version.mjs'), version('w1'));
    const { url, reports } = await serve();
    const client = await connect(url);
    client.send('x');
    assert.equal(await client.next(20_000), 'w1:x');
    await writeFile(join(folder(), 'node_modules', 'dependency', 'index.mjs'), 'export const changed = 1;\n');
    await mkdir(join(folder(), 'lib', 'later'));
    // The new folder is watched once its event is handled; then a file written there counts.
    await withTimeout(
      (async () => {
        for (let round = 0; reports.lines.length === 0; round++) {
          await writeFile(join(folder(), 'lib', 'later', 'more.mjs'), `export const round = ${round};\n`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
      60_000,
      'a file in the new folder was not seen',
    );
    const first = await reports.next(0);
    assert.match(first.line, /^lib\/later\/more\.mjs changed: reloaded 1 of 1 function$/);
    await client.close();
  });
});
