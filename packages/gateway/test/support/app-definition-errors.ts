/**
 * Test support: table-driven checks that malformed app definitions (templates,
 * serverless.yml) fail with one ConfigError naming the file, the place and the problem.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadApp } from '../../src/app-definition/load-app.ts';
import type { AppOptions } from '../../src/app-definition/served-app.ts';
import { ConfigError } from '../../src/errors.ts';

export interface DefinitionErrorCase {
  name: string;
  text: string;
  /** @default the suite's file name */
  file?: string;
  options?: AppOptions;
  line?: number;
  path?: string;
  problem: RegExp;
}

/**
 * One test that `base` (written as `file` in `folder()`) is valid, then one per case,
 * each written beside it.
 */
export function itRejectsEachCase(
  folder: () => string,
  file: string,
  base: string,
  cases: DefinitionErrorCase[],
): void {
  it('the base definition of these cases is valid', async () => {
    await writeFile(join(folder(), file), base);
    const app = await loadApp(join(folder(), file));
    assert.ok(Object.keys(app.definition.routes).length > 0);
  });
  for (const { name, text, file: caseFile = file, options, line, path, problem } of cases) {
    it(`${name} is a ConfigError naming the file, the place and the problem`, async () => {
      const target = join(folder(), `${name.replace(/\W+/g, '-')}-${caseFile}`);
      await writeFile(target, text);
      const error = await loadApp(target, options).then(
        () => assert.fail('the definition was accepted'),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.code, 'SB_ERR_CONFIG');
      assert.equal(error.location.file, target);
      assert.match(error.problem, problem);
      if (line !== undefined) assert.equal(error.location.line, line, error.message);
      if (path !== undefined) assert.equal(error.location.path, path, error.message);
      assert.ok(error.message.startsWith(target), error.message);
    });
  }
}
