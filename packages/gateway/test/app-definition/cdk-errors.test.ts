/** A CDK app that cannot be served is an error that says why. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { ConfigError } from '../../src/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('CDK errors', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchboard-cdk-errors-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('an app that was never synthesized asks for --synth', async () => {
    await writeFile(join(dir, 'cdk.json'), JSON.stringify({ app: 'node app.mjs' }));
    await assert.rejects(loadApp(dir), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.problem, /no cloud assembly in .*cdk\.out: run "cdk synth" first, or serve with --synth/);
      return true;
    });
  });

  it('--synth without the AWS CDK CLI installed asks for it', async () => {
    await assert.rejects(
      loadApp(dir, { synth: true }),
      /--synth needs the AWS CDK CLI in the project: npm install -D aws-cdk@2/,
    );
  });

  it("a failing synth reports cdk's own output", async () => {
    // Inside the repository, where the CDK CLI is installed.
    const cache = join(here, '..', '..', '..', '..', 'node_modules', '.cache');
    await mkdir(cache, { recursive: true });
    const appDir = await mkdtemp(join(cache, 'switchboard-cdk-'));
    after(() => rm(appDir, { recursive: true, force: true }));
    await writeFile(join(appDir, 'cdk.json'), JSON.stringify({ app: 'node app.mjs' }));
    await writeFile(join(appDir, 'app.mjs'), "console.error('the app is broken'); process.exit(3);\n");
    await assert.rejects(loadApp(appDir, { synth: true }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.location.file, join(appDir, 'cdk.json'));
      assert.match(error.problem, /cdk synth failed \(exit code \d+\):[\s\S]*the app is broken/);
      return true;
    });
  });

  it('--synth on a template is a usage mistake named as such', async () => {
    await writeFile(join(dir, 'template.yaml'), 'Resources: {}\n');
    await assert.rejects(loadApp(join(dir, 'template.yaml'), { synth: true }), /--synth applies to a CDK app/);
  });

  it('an assembly without a WebSocket API says so', async () => {
    const assembly = join(dir, 'assembly');
    await mkdir(assembly);
    await writeFile(
      join(assembly, 'manifest.json'),
      JSON.stringify({
        version: '55.0.0',
        artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } },
      }),
    );
    await writeFile(
      join(assembly, 'S.template.json'),
      JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }),
    );
    await assert.rejects(loadApp(assembly), /no stack of the app defines a WebSocket API/);
  });
});
