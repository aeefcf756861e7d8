/**
 * Work deferred while a dependency is away (src/domain/use-cases/deferred-work.ts):
 * retried oldest first, kept while its failure is worth waiting out, dropped when
 * not, bounded in how much it keeps.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeferredWork } from '../src/domain/use-cases/deferred-work.ts';

class Away extends Error {}

describe('deferred work', () => {
  it('retries oldest first, stops while the dependency is away, and keeps what it could not do', async () => {
    const done: string[] = [];
    let away = true;
    const work = new DeferredWork<string>({
      maxItems: 10,
      run: async (item) => {
        if (away) throw new Away();
        done.push(item);
      },
      transient: (error) => error instanceof Away,
    });
    for (const item of ['a', 'b', 'c', 'a']) work.add(item);
    await work.retry();
    assert.deepEqual(done, []);
    away = false;
    await work.retry();
    assert.deepEqual(done, ['a', 'b', 'c']);
    await work.retry();
    assert.deepEqual(done, ['a', 'b', 'c'], 'each item is done once');
  });

  it('drops an item that fails for another reason and goes on with the rest', async () => {
    const done: string[] = [];
    const work = new DeferredWork<string>({
      maxItems: 10,
      run: async (item) => {
        if (item === 'broken') throw new Error('not worth waiting out');
        done.push(item);
      },
      transient: (error) => error instanceof Away,
    });
    for (const item of ['broken', 'fine']) work.add(item);
    await work.retry();
    await work.retry();
    assert.deepEqual(done, ['fine']);
  });

  it('keeps at most maxItems', async () => {
    const done: number[] = [];
    const work = new DeferredWork<number>({ maxItems: 3, run: async (item) => void done.push(item) });
    for (let item = 0; item < 5; item++) work.add(item);
    await work.retry();
    assert.deepEqual(done, [0, 1, 2]);
  });
});
