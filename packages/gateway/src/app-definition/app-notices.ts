/**
 * What a user should know about how their app runs locally, printed once at
 * start-up: resource types that are not emulated (never dropped silently), and
 * settings that have no local effect.
 */
export class AppNotices {
  /** Resource type -> logical ids. */
  readonly #notEmulated = new Map<string, string[]>();
  readonly #notes: string[] = [];

  /** A resource the local run leaves out. */
  notEmulated(type: string, logicalId: string): void {
    const ids = this.#notEmulated.get(type) ?? [];
    ids.push(logicalId);
    this.#notEmulated.set(type, ids);
  }

  note(message: string): void {
    if (!this.#notes.includes(message)) this.#notes.push(message);
  }

  /** One line per resource type, then the notes. */
  lines(): string[] {
    const types = [...this.#notEmulated.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, ids]) => `not emulated: ${type} (${ids.join(', ')})`);
    return [...types, ...this.#notes];
  }
}
