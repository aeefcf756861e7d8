/** A minimal typed event emitter; `on` returns the function that removes the listener. */
// biome-ignore lint/suspicious/noExplicitAny: listener argument lists vary per event
type Listener = (...args: any[]) => void;

export class Emitter<Events extends { [E in keyof Events]: Listener }> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
  }
}
