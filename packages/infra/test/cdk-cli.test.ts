/**
 * The app through the real CDK CLI (`cdk synth`), without AWS credentials and
 * off the network: bin/app.ts, the context flags and cdk-nag's checks as a user
 * runs them. Only the account stack is selected (`--exclusively`), so the CLI
 * skips bundling the chat's functions (chat-stack.test.ts bundles them in-process); the chat
 * stack's template is written all the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StackNames } from '../src/chat-app.ts';
import { type Resource, scratchWebClient } from './infra-harness.ts';

const infraDir = fileURLToPath(new URL('..', import.meta.url));

describe('cdk synth (CLI)', () => {
  const { workDir, webRoot } = scratchWebClient();

  // The one real `cdk synth`: a CLI, a TypeScript app and both stacks, so it gets more than the default timeout.
  it('synthesizes both stacks without AWS credentials, with cdk-nag’s checks passing', {
    timeout: 240_000,
  }, async () => {
    const out = join(workDir, 'cli.out');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_')),
    );
    const child = spawn(
      process.execPath,
      [
        join(infraDir, '../../node_modules/aws-cdk/bin/cdk'),
        'synth',
        StackNames.apiGatewayAccount,
        // Bundles the selected stack's assets only (the CLI's default is every stack's).
        '--exclusively',
        '--no-notices',
        '--quiet',
        '-c',
        `webRoot=${webRoot}`,
        '-c',
        'apiGatewayCloudWatchRole=true',
        '-c',
        'destroyData=true',
        '-o',
        out,
      ],
      {
        cwd: infraDir,
        env: { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 230_000,
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    assert.equal(code, 0, output);
    const template = (name: string) =>
      JSON.parse(readFileSync(join(out, `${name}.template.json`), 'utf8')) as { Resources: Record<string, Resource> };
    const chat = Object.values(template(StackNames.chat).Resources);
    assert.ok(
      chat.some(
        (resource) => resource.Type === 'AWS::ApiGatewayV2::Api' && resource.Properties.ProtocolType === 'WEBSOCKET',
      ),
    );
    // -c destroyData=true reached the stack.
    const table = chat.find((resource) => resource.Type === 'AWS::DynamoDB::Table')!;
    assert.equal(table.DeletionPolicy, 'Delete');
    const account = Object.values(template(StackNames.apiGatewayAccount).Resources);
    assert.ok(account.some((resource) => resource.Type === 'AWS::ApiGateway::Account'));
  });
});
