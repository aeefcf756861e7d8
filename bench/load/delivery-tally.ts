/**
 * What one client received of the messages a run sent, for the scenarios that
 * cut connections (9 and 10): every message carries its index in the run, so
 * a client's tally shows each message missed or received more than once,
 * whatever the transport did (a duplicate is a second delivery of the same
 * index, e.g. one send stored twice after a lost acknowledgement).
 */
export class DeliveryTally {
  /** Deliveries per message index; 255 caps a counter (far above any duplicate count). */
  readonly #counts: Uint8Array;
  #distinct = 0;
  #duplicates = 0;
  /** `Date.now()` of the last delivery that was new to this client. */
  lastNewAt = 0;

  /** @param capacity the highest message index the run can send, plus one */
  constructor(capacity: number) {
    this.#counts = new Uint8Array(capacity);
  }

  record(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#counts.length) return;
    const count = this.#counts[index]!;
    if (count === 0) {
      this.#distinct++;
      this.lastNewAt = Date.now();
    } else this.#duplicates++;
    if (count < 255) this.#counts[index] = count + 1;
  }

  /** Distinct messages received among the first `sent`. */
  receivedOf(sent: number): number {
    if (sent >= this.#counts.length) return this.#distinct;
    let received = 0;
    for (let index = 0; index < sent; index++) if (this.#counts[index]! > 0) received++;
    return received;
  }

  get duplicates(): number {
    return this.#duplicates;
  }
}

/** The text of message `index` (what the senders send and the tallies read back). */
export function messageText(index: number): string {
  return `m${index}`;
}

/** The index a message text carries, or -1 for a text the run did not send. */
export function messageIndex(text: string): number {
  return text.startsWith('m') ? Number(text.slice(1)) : -1;
}
