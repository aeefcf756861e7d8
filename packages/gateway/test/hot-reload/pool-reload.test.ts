/**
 * A worker pool's reload, driven directly on a handler file in a temporary folder:
 * while the code on disk does not load, the workers that serve are all the function
 * has, so a burst waits for them instead of failing in cold starts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { HandlerLoadError } from '../../src/errors.ts';
import { LambdaWorkerPool } from '../../src/integrations/lambda-worker-pool.ts';
import { DEFAULT_CONCURRENCY } from '../../src/settings.ts';
import { errorOf, sleep, withTimeout } from '../support/gateway-harness.ts';
import { temporaryFolder } from '../support/temp-folder.ts';

const handler = (version: string): string => `import { threadId } from 'node:worker_threads';
export async function work(event) {
  if (event.gate) {
    Atomics.add(event.gate, 1, 1);
    while (Atomics.load(event.gate, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { version: '${version}', threadId };
}
`;

interface Answer {
  version: string;
  threadId: number;
}

describe('LambdaWorkerPool reload', { timeout: 120_000 }, () => {
  const folder = temporaryFolder('switchboard-pool-reload-', { 'work.mjs': handler('A') });

  it('keeps serving with its workers while the new code does not load, then runs the fixed code', async () => {
    const pool = await LambdaWorkerPool.start({
      reference: 'work.mjs#work',
      baseDir: folder(),
      functionName: 'reload-test',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:reload-test',
      logStreamName: 'test',
      environment: {},
      concurrency: { ...DEFAULT_CONCURRENCY, maxWorkers: 4 },
    });
    after(() => pool.close());
    const invoke = (event: object = {}) => pool.invoke(event, Date.now() + 60_000) as Promise<Answer>;
    const first = await invoke();
    assert.equal(first.version, 'A');

    await writeFile(`${folder()}/work.mjs`, 'export async function work( {\n');
    const failure = await errorOf(pool.reload());
    assert.ok(failure instanceof HandlerLoadError, String(failure));
    assert.match(failure.message, /Cannot load handler module .*work\.mjs \(from "work\.mjs#work"\)/);

    // Three at once would start two more workers; with code that does not load, they queue instead.
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const burst = [invoke({ gate: cells }), invoke({ gate: cells }), invoke({ gate: cells })];
    await withTimeout(
      (async () => {
        while (Atomics.load(cells, 1) < 1) await sleep(10);
      })(),
      20_000,
      'the first call did not start',
    );
    assert.equal(pool.workerCount, 1, 'no cold start of code that does not load');
    Atomics.store(cells, 0, 1);
    const answers = await Promise.all(burst);
    assert.deepEqual(
      answers.map((answer) => [answer.version, answer.threadId]),
      [
        ['A', first.threadId],
        ['A', first.threadId],
        ['A', first.threadId],
      ],
    );

    await writeFile(`${folder()}/work.mjs`, handler('B'));
    await Promise.all([pool.reload(), pool.reload(), pool.reload()]);
    const fixed = await invoke();
    assert.equal(fixed.version, 'B');
    assert.notEqual(fixed.threadId, first.threadId, 'a new worker');
  });
});
