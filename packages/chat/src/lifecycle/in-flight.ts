/**
 * Handler invocations still running, so that shutdown can let them finish
 * before it closes the store. The gateway closes sockets and waits for
 * `$disconnect`, but a `sendMessage` that is half way through its write would
 * otherwise meet a closed pool: the client then retries with the same
 * `clientMessageId` (nothing is lost), but a write that was about to commit
 * should commit.
 */
import type { ChatHandlers } from '../handlers/index.ts';

export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  /** Invocations running now. */
  get size(): number {
    return this.#running.size;
  }

  /** The same handlers, each invocation counted while it runs. */
  trackHandlers(handlers: ChatHandlers): ChatHandlers {
    const routes = Object.fromEntries(
      Object.entries(handlers.routes).map(([key, handler]) => [key, this.#wrap(handler)]),
    ) as ChatHandlers['routes'];
    return { authorizer: this.#wrap(handlers.authorizer), routes };
  }

  /** Resolves when nothing runs any more, or after `timeoutMs`; `false` when invocations were still running then. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  #wrap<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => {
      const running = handler(...args);
      this.#running.add(running);
      const forget = (): void => void this.#running.delete(running);
      running.then(forget, forget);
      return running;
    };
  }
}
