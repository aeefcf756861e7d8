/**
 * Handlers as users write them, each served from a template: TypeScript and
 * JavaScript in CommonJS and ES module packages, an esbuild bundle, a handler
 * in a sub-folder of its code folder, and handlers named by a property path
 * (`app.routes.dotted`, as Lambda's runtime walks it).
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { loadApp } from '../../src/app-definition/load-app.ts';
import { connect, startGateway } from '../support/gateway-harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, '..', 'fixtures', 'apps', 'handler-styles');
// Inside the repository, so that the handlers find the AWS SDK in its node_modules.
const cache = join(here, '..', '..', '..', '..', 'node_modules', '.cache');

describe('handlers as users write them', { timeout: 120_000 }, () => {
  let app: string;
  before(async () => {
    await mkdir(cache, { recursive: true });
    app = await mkdtemp(join(cache, 'switchboard-handler-styles-'));
    await cp(fixture, app, { recursive: true });
    // What SAM's or the CDK's esbuild makes: one CommonJS file, the AWS SDK left to the runtime.
    await build({
      entryPoints: [join(app, 'bundle-source', 'index.ts')],
      outfile: join(app, 'bundled', 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    // Lambda runs a bundle's index.js as CommonJS: nothing above its code folder counts there.
    await writeFile(join(app, 'bundled', 'package.json'), '{ "type": "commonjs" }\n');
  });
  after(() => rm(app, { recursive: true, force: true }));

  it('every style loads and answers', async () => {
    const served = await loadApp(join(app, 'template.yaml'));
    const { url } = await startGateway(served.definition, { baseDir: served.baseDir });
    const client = await connect(url);
    const expected: Record<string, string> = {
      cjsts: 'typescript, commonjs',
      esmts: 'typescript, esm',
      cjsjs: 'javascript, commonjs',
      esmjs: 'javascript, esm',
      bundled: 'bundled typescript, commonjs',
      nested: 'nested',
      dottedesm: 'dotted, esm',
      dottedcjs: 'dotted, commonjs',
    };
    for (const [action, answer] of Object.entries(expected)) {
      client.send({ action });
      assert.equal(await client.next(15_000), answer, action);
    }
    await client.close();
  });
});
