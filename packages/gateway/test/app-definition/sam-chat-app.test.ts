/**
 * The SAM chat fixture served by `switchboard serve` as a user runs it: the CLI
 * reads the template, starts DynamoDB Local with the table, and the app works end
 * to end with real clients and the real AWS SDK.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exerciseChatApp } from '../support/chat-app-flow.ts';
import { withTimeout } from '../support/gateway-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const samChat = join(here, '..', 'fixtures', 'apps', 'sam-chat', 'template.yaml');
const bin = join(here, '..', '..', 'bin', 'switchboard.mjs');

describe('the SAM chat, served with its DynamoDB table', () => {
  it('switchboard serve names the kind of file, starts DynamoDB Local, creates the table, and the app works end to end', {
    timeout: 120_000,
  }, async () => {
    const child = spawn(process.execPath, [bin, 'serve', samChat, '--port', '0', '--in-memory'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    after(() => child.kill('SIGTERM'));
    let output = '';
    const banner = await withTimeout(
      new Promise<string>((resolve, reject) => {
        const collect = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes('Press Ctrl+C')) resolve(output);
        };
        child.stdout.on('data', collect);
        child.stderr.on('data', collect);
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      }),
      90_000,
      'serve printed no banner',
    );
    const url = /WebSocket: +(ws:\S+)/.exec(banner)?.[1];
    const dynamodb = /DynamoDB: +(http:\S+) \(DynamoDB Local, data in memory; tables sam-chat-ConnectionsTable\)/.exec(
      banner,
    )?.[1];
    assert.ok(url && dynamodb, banner);
    assert.match(banner, /serving .*template\.yaml \(SAM template\)/);
    assert.match(banner, /WebSocket: +ws:\/\/127\.0\.0\.1:\d+\/dev/);
    assert.match(banner, /Note: not emulated: AWS::SQS::Queue \(ModerationQueue\)/);
    assert.ok(!banner.includes('not emulated: AWS::DynamoDB::Table'), banner);
    await exerciseChatApp(url, dynamodb, 'sam-chat-ConnectionsTable');
  });
});
