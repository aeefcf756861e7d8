/**
 * The worker pool of a module handler, driven directly: concurrency like Lambda's
 * execution environments, a timeout or a crash that affects only its own worker,
 * the cap and the bounded queue, idle workers ending. Invocations that must be in
 * flight together wait at a gate on a SharedArrayBuffer, so no test depends on timing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FunctionThrottledError, HandlerLoadError } from '../../src/errors.ts';
import { IntegrationTimeoutError } from '../../src/integrations/integration.ts';
import { LambdaWorkerPool } from '../../src/integrations/lambda-worker-pool.ts';
import { type ConcurrencySettings, DEFAULT_CONCURRENCY } from '../../src/settings.ts';
import { errorOf, sleep, withTimeout } from '../support/gateway-harness.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const LONG = 60_000;

interface Answer {
  threadId: number;
  mostAtOnce: number;
  label?: string;
  marker?: string;
}

async function startPool(
  concurrency: Partial<ConcurrencySettings> = {},
  reference = 'pool-handlers.mjs#work',
): Promise<LambdaWorkerPool> {
  const pool = await LambdaWorkerPool.start({
    reference,
    baseDir: fixtures,
    functionName: 'pool-test',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:pool-test',
    logStreamName: 'test',
    environment: { POOL_MARKER: 'first' },
    concurrency: { ...DEFAULT_CONCURRENCY, ...concurrency },
  });
  after(() => pool.close());
  return pool;
}

/** A gate invocations wait at until `open()`; `waiting` says how many reached it. */
function gate() {
  const cells = new Int32Array(new SharedArrayBuffer(8));
  return {
    cells,
    waiting: () => Atomics.load(cells, 1),
    open: () => Atomics.store(cells, 0, 1),
    async reached(count: number): Promise<void> {
      await withTimeout(
        (async () => {
          while (Atomics.load(cells, 1) < count) await sleep(10);
        })(),
        20_000,
        `${count} invocations did not reach the gate`,
      );
    },
  };
}

const invoke = (pool: LambdaWorkerPool, event: object, deadline = Date.now() + LONG) =>
  pool.invoke(event, deadline) as Promise<Answer>;

/** Runs `count` invocations that are all in flight at once, then lets them answer. */
async function inFlightTogether(pool: LambdaWorkerPool, count: number): Promise<Answer[]> {
  const wait = gate();
  const calls = Array.from({ length: count }, () => invoke(pool, { gate: wait.cells }));
  await wait.reached(count);
  wait.open();
  return Promise.all(calls);
}

describe('LambdaWorkerPool', () => {
  it('runs concurrent invocations in separate workers, one at a time each, and starts no more than maxWorkers', async () => {
    const pool = await startPool({ maxWorkers: 3, maxQueuedInvocations: 10 });
    const wait = gate();
    const calls = Array.from({ length: 7 }, (_, index) => invoke(pool, { gate: wait.cells, label: `c${index}` }));
    await wait.reached(3);
    assert.equal(pool.workerCount, 3);
    assert.equal(wait.waiting(), 3, 'the others wait in the queue');
    wait.open();
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((answer) => answer.label),
      ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'],
    );
    assert.equal(new Set(answers.map((answer) => answer.threadId)).size, 3);
    assert.ok(
      answers.every((answer) => answer.mostAtOnce === 1),
      'each worker ran one invocation at a time',
    );
    assert.equal(pool.workerCount, 3);
  });

  it('maxInvocationsPerWorker lets async invocations share a worker', async () => {
    const pool = await startPool({ maxWorkers: 1, maxInvocationsPerWorker: 4 });
    const answers = await inFlightTogether(pool, 4);
    assert.equal(new Set(answers.map((answer) => answer.threadId)).size, 1);
    assert.equal(answers.at(-1)?.mostAtOnce, 4);
  });

  it('a timed-out invocation ends only its own worker: the others in flight succeed, and the next call starts a fresh worker', async () => {
    const pool = await startPool({ maxWorkers: 3 });
    await inFlightTogether(pool, 3);

    const others = gate();
    const spinning = invoke(pool, { spin: true }, Date.now() + 300);
    const inFlight = [
      invoke(pool, { gate: others.cells, label: 'a' }),
      invoke(pool, { gate: others.cells, label: 'b' }),
    ];
    await others.reached(2);
    const timedOut = await errorOf(spinning);
    assert.ok(timedOut instanceof IntegrationTimeoutError, String(timedOut));
    others.open();
    const answers = await Promise.all(inFlight);
    assert.deepEqual(
      answers.map((answer) => answer.label),
      ['a', 'b'],
    );
    const fresh = await invoke(pool, { label: 'after' });
    assert.equal(fresh.label, 'after');
    assert.ok(pool.workerCount <= 3);
  });

  for (const [name, event, expected] of [
    ['process.exit() in the handler', { exit: 3 }, /exited with code 3/],
    ['an uncaught error thrown from a timer', { throwLater: 'boom' }, /crashed: boom/],
  ] as const) {
    it(`${name} fails only its own invocation; the function keeps serving`, async () => {
      const pool = await startPool({ maxWorkers: 3 });
      const wait = gate();
      const inFlight = [invoke(pool, { gate: wait.cells, label: 'a' }), invoke(pool, { gate: wait.cells, label: 'b' })];
      await wait.reached(2);
      const crashed = await errorOf(invoke(pool, event));
      assert.match(crashed.message, expected);
      wait.open();
      assert.deepEqual(
        (await Promise.all(inFlight)).map((answer) => answer.label),
        ['a', 'b'],
      );
      assert.equal((await invoke(pool, { label: 'next' })).label, 'next');
    });
  }

  it('refuses invocations beyond the workers and the queue with FunctionThrottledError, at once', async () => {
    const pool = await startPool({ maxWorkers: 2, maxQueuedInvocations: 3 });
    const wait = gate();
    const calls = Array.from({ length: 9 }, () =>
      invoke(pool, { gate: wait.cells }).then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    // All nine were asked for in one tick: one runs, three wait, five are refused.
    const refused = await Promise.all(calls.slice(4));
    for (const error of refused) {
      assert.ok(error instanceof FunctionThrottledError);
      assert.equal(error.code, 'SB_ERR_FUNCTION_THROTTLED');
      assert.match(error.message, /pool-test is at its concurrency limit: 2 workers × 1 invocations each/);
    }
    await wait.reached(2);
    assert.equal(pool.workerCount, 2);
    wait.open();
    assert.deepEqual(await Promise.all(calls.slice(0, 4)), ['ok', 'ok', 'ok', 'ok']);
  });

  it('a queued invocation whose deadline passes fails without running and without ending a worker', async () => {
    const pool = await startPool({ maxWorkers: 1 });
    const wait = gate();
    const running = invoke(pool, { gate: wait.cells, label: 'running' });
    await wait.reached(1);
    const queued = await errorOf(invoke(pool, { label: 'queued' }, Date.now() + 100));
    assert.ok(queued instanceof IntegrationTimeoutError);
    wait.open();
    const answer = await running;
    assert.equal(answer.label, 'running');
    assert.equal((await invoke(pool, { label: 'next' })).threadId, answer.threadId, 'the same worker serves on');
  });

  it('owed invocations are never refused for a full queue, and their time starts when a worker takes them', async () => {
    const pool = await startPool({ maxWorkers: 1, maxQueuedInvocations: 0 });
    const wait = gate();
    const running = invoke(pool, { gate: wait.cells });
    await wait.reached(1);
    assert.ok((await errorOf(invoke(pool, {}))) instanceof FunctionThrottledError);
    const owed = pool.invoke({ label: 'owed' }, Date.now() + 200, { owed: true }) as Promise<Answer>;
    // Longer than the owed invocation's 200 ms, all of it spent waiting for the worker.
    await sleep(400);
    wait.open();
    await running;
    assert.equal((await owed).label, 'owed');
  });

  it('ends workers idle for idleWorkerSeconds and keeps one warm', async () => {
    const pool = await startPool({ maxWorkers: 3, idleWorkerSeconds: 0.2 });
    await inFlightTogether(pool, 3);
    await withTimeout(
      (async () => {
        while (pool.workerCount > 1) await sleep(20);
      })(),
      10_000,
      'idle workers did not end',
    );
    await sleep(500);
    assert.equal(pool.workerCount, 1);
    assert.equal((await invoke(pool, { label: 'warm' })).label, 'warm');
  });

  it('workers started later get the environment set after start', async () => {
    const pool = await startPool({ maxWorkers: 2 });
    pool.setEnvironment({ POOL_MARKER: 'later' });
    assert.deepEqual(
      (await inFlightTogether(pool, 2)).map((answer) => answer.marker),
      ['later', 'later'],
    );
  });

  it('fails the load of a module that does not finish loading in time, lacks a package, or whose top-level await never settles, in one line naming it', async () => {
    // Only the module that never loads waits for the deadline; the others fail on their own, at once.
    const start = (reference: string, initTimeoutMs?: number) =>
      LambdaWorkerPool.start({
        reference,
        baseDir: fixtures,
        functionName: 'slow-init',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:slow-init',
        logStreamName: 'test',
        environment: {},
        concurrency: DEFAULT_CONCURRENCY,
        ...(initTimeoutMs !== undefined && { initTimeoutMs }),
      });
    await assert.rejects(start('never-loads.mjs#handler', 2000), (error: Error) => {
      assert.ok(error instanceof HandlerLoadError, String(error));
      assert.match(error.message, /never-loads\.mjs#handler .* did not finish loading within 2 s/);
      return true;
    });
    await assert.rejects(start('missing-package.cjs#handler'), (error: Error) => {
      assert.match(error.message, /missing-package\.cjs .*Cannot find module 'a-package-nobody-installed'/);
      assert.doesNotMatch(error.message, /\n/, 'one line, without the require stack');
      return true;
    });
    await assert.rejects(start('never-settles.mjs#handler'), (error: Error) => {
      assert.ok(error instanceof HandlerLoadError, String(error));
      assert.match(
        error.message,
        /exited with code 13 while loading: .*never-settles\.mjs#handler .* top-level await that never settles/,
      );
      return true;
    });
  });

  it('hands the result on as Lambda does, through JSON, not as a structured clone', async () => {
    const pool = await startPool({}, 'pool-handlers.mjs#shaped');
    const shaped = (shape: string) => pool.invoke({ shape }, Date.now() + LONG);
    assert.deepEqual(await shaped('method'), { statusCode: 200, body: 'kept' });
    assert.deepEqual(await shaped('date'), { body: '1970-01-01T00:00:00.000Z' });
    assert.deepEqual(await shaped('buffer'), { body: { type: 'Buffer', data: [104, 105] } });
    assert.deepEqual(await shaped('nan'), { statusCode: null, body: 'x' });
    assert.equal(await shaped('nothing'), null);
    await assert.rejects(shaped('bigint'), /BigInt/);
  });

  it('close() fails queued and running invocations and ends every worker', async () => {
    const pool = await startPool({ maxWorkers: 1 });
    const wait = gate();
    const running = invoke(pool, { gate: wait.cells });
    const queued = invoke(pool, {});
    await wait.reached(1);
    await pool.close();
    assert.match((await errorOf(running)).message, /was closed/);
    assert.match((await errorOf(queued)).message, /was closed/);
    assert.match((await errorOf(invoke(pool, {}))).message, /is closed/);
  });
});
