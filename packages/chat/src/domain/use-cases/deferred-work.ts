/**
 * Work that failed because something it needs was away (this node's Redis, the
 * store), kept to be done again once it is back: `retry()` goes through it oldest
 * first and stops at the first item that fails for a reason worth waiting out;
 * an item that fails otherwise is dropped. Bounded: past `maxItems`, new items are
 * not kept, and the slower safety nets catch them (clients' heartbeats, the
 * stale-connection sweep). The server retries on a timer (server.ts).
 */
export interface DeferredWorkOptions<T> {
  maxItems: number;
  /** Does the work for one item; rejects when it cannot yet. */
  run: (item: T) => Promise<void>;
  /** Whether a failure is worth waiting out (the dependency is away) rather than a reason to give up. @default every failure */
  transient?: (error: unknown) => boolean;
}

export class DeferredWork<T> {
  readonly #options: DeferredWorkOptions<T>;
  readonly #items = new Set<T>();
  #retrying = false;

  constructor(options: DeferredWorkOptions<T>) {
    this.#options = options;
  }

  add(item: T): void {
    if (this.#items.size < this.#options.maxItems) this.#items.add(item);
  }

  async retry(): Promise<void> {
    if (this.#retrying) return;
    this.#retrying = true;
    const { run, transient = () => true } = this.#options;
    try {
      for (const item of this.#items) {
        try {
          await run(item);
        } catch (error) {
          if (transient(error)) return;
        }
        this.#items.delete(item);
      }
    } finally {
      this.#retrying = false;
    }
  }
}
