/**
 * A value from a chunk loaded on first use (formatting, the emoji table), for
 * React's `useSyncExternalStore`: `null` until it has loaded, then the value,
 * and every subscriber told once it arrives. A failed load leaves it `null` (what
 * needs it shows the plain form); the next page load tries again.
 */
export interface LazyValue<T> {
  /** The value once loaded (`null` before); the first call starts loading it. */
  get: () => T | null;
  subscribe: (listener: () => void) => () => void;
}

export function lazyValue<T>(load: () => Promise<T>): LazyValue<T> {
  let value: T | null = null;
  let started = false;
  const listeners = new Set<() => void>();
  return {
    get: () => {
      if (!started) {
        started = true;
        load().then(
          (loaded) => {
            value = loaded;
            for (const listener of listeners) listener();
          },
          () => {},
        );
      }
      return value;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
