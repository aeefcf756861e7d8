/**
 * The node's writes of one event-loop tick (directory entries, membership
 * changes, topic subscriptions), sent to Redis together: one pipeline, flushed
 * on `setImmediate`.
 *
 *   write() / touch() in a tick ─▶ setImmediate ─▶ exec pipeline + afterFlush() ─▶ flushed() resolves
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { execChecked } from './cluster-redis.ts';

interface Batch {
  pipeline: ChainableCommander | null;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class WriteBatch {
  readonly #commands: Redis;
  readonly #logger: Logger;
  /** Work that goes out with every flush (the topic changes of the tick). */
  readonly #afterFlush: () => Promise<unknown>;
  #batch: Batch | null = null;
  #lastFlush: Promise<void> = Promise.resolve();

  constructor(commands: Redis, logger: Logger, afterFlush: () => Promise<unknown>) {
    this.#commands = commands;
    this.#logger = logger;
    this.#afterFlush = afterFlush;
  }

  /** The tick's pipeline, to add writes to. */
  write(): ChainableCommander {
    const batch = this.#schedule();
    batch.pipeline ??= this.#commands.pipeline();
    return batch.pipeline;
  }

  /** Makes sure a flush is scheduled for this tick (for work that has no pipeline writes). */
  touch(): void {
    this.#schedule();
  }

  /** Resolves once every write made so far has reached Redis (rejects if they could not). */
  flushed(): Promise<void> {
    return this.#batch?.done ?? this.#lastFlush;
  }

  #schedule(): Batch {
    if (this.#batch !== null) return this.#batch;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch((error: unknown) =>
      this.#logger.warn({ err: error }, 'cluster: writing to Redis failed; the node registers again when it is back'),
    );
    this.#batch = { pipeline: null, done, resolve, reject };
    setImmediate(this.#flush);
    return this.#batch;
  }

  /** Sends the tick's writes; bound once, so scheduling allocates no closure. */
  readonly #flush = (): void => {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const work = Promise.all([batch.pipeline && execChecked(batch.pipeline), this.#afterFlush()]).then(() => {});
    work.then(batch.resolve, batch.reject);
    this.#lastFlush = work.catch(() => {});
  };
}
