/**
 * The local-development failure every emulator has (spec 9.4, pain point 1):
 * unchanged AWS handler code, run by `switchboard serve`, reaches `@connections`
 * through `https://${domainName}/${stage}` or the SDK's environment.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, withTimeout } from '../support/gateway-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'bin', 'switchboard.mjs');
const config = join(here, '..', 'fixtures', 'callback', 'switchboard.yaml');

async function serve(): Promise<{ url: string; child: ChildProcess }> {
  // The CLI itself must make the local certificate trusted: start without NODE_EXTRA_CA_CERTS.
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  const child = spawn(process.execPath, [bin, 'serve', config, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  after(() => {
    child.kill('SIGTERM');
  });
  let output = '';
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /WebSocket:\s+(ws:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`switchboard exited with ${code}: ${output}`)));
    }),
    // Bounded, not timed: start-up relaunches node and loads TypeScript, slow on a busy machine.
    30_000,
    'switchboard serve did not print its URL',
  );
  return { url, child };
}

/** Resolves once nothing listens at the URL's port any more. */
async function untilRefused(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const refused = async (): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = createConnection({ host: hostname, port: Number(port) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
  await withTimeout(
    (async () => {
      while (!(await refused())) await new Promise((resolve) => setTimeout(resolve, 100));
    })(),
    30_000,
    `${url} still answers`,
  );
}

describe('switchboard serve runs AWS handler code unchanged', () => {
  it('stops, leaving nothing listening, when its terminal closes (SIGHUP) or its launcher is killed', async () => {
    for (const signal of ['SIGHUP', 'SIGKILL'] as const) {
      const { url, child } = await serve();
      // `serve` relaunches itself: `child` is the launcher, the gateway its own child.
      child.kill(signal);
      await untilRefused(url);
    }
  });

  it('a module handler posts through https://${domainName}/${stage} with its own environment', async () => {
    const { url } = await serve();
    const client = await connect(url);
    client.send('world');
    assert.equal(await client.next(), 'hello world! from local-default');

    client.send(JSON.stringify({ action: 'noendpoint' }));
    // Per-function environment: SUFFIX belongs to the $default function only.
    assert.equal(await client.next(), 'no endpoint, suffix unset');

    // A handler stuck in a synchronous loop times out in its own worker; the gateway keeps serving.
    client.send(JSON.stringify({ action: 'spin' }));
    assert.match(await client.next(5000), /^\{"message": "Endpoint request timed out", "connectionId":"/);
    client.send('again');
    assert.equal(await client.next(), 'hello again! from local-default');
    await client.close();
  });
});
