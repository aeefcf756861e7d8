/**
 * Room left in the frame being built: every answer must fit in one WebSocket
 * message of `ChatLimits.answerMaxBytes` (API Gateway's limit), whatever the
 * store holds, so lists are cut by bytes as well as by count, and the rest comes
 * with the next page.
 *
 * Sizes are those of the JSON on the wire (UTF-8 bytes of `JSON.stringify`),
 * counted per entry as it is added, so nothing is serialised twice.
 */
import { ChatLimits } from './limits.ts';

/**
 * Kept free in every frame for what is not counted entry by entry: `type`,
 * the `requestId` (up to 64 characters, 6 bytes each when escaped), field names
 * and brackets, and up to two cursors.
 */
export const FRAME_OVERHEAD_BYTES = 2048;

/** The UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

export class AnswerBudget {
  #left: number;

  constructor(maxBytes: number = ChatLimits.answerMaxBytes) {
    this.#left = maxBytes - FRAME_OVERHEAD_BYTES;
  }

  /** Counts `value` (and the comma before it) if it fits; when it does not, counts nothing and says so. */
  take(value: unknown): boolean {
    const size = jsonBytes(value) + 1;
    if (size > this.#left) return false;
    this.#left -= size;
    return true;
  }

  /**
   * The longest prefix of `items` that fits (each item counted), and whether
   * some were left out.
   */
  takeWhile<T>(items: readonly T[]): { taken: T[]; cut: boolean } {
    const taken: T[] = [];
    for (const item of items) {
      if (!this.take(item)) return { taken, cut: true };
      taken.push(item);
    }
    return { taken, cut: false };
  }

  /**
   * A page from `fetched`, the store's answer to a request for `limit + 1`
   * entries: at most `limit` of them, as many as fit, and whether more follow.
   */
  page<T>(fetched: readonly T[], limit: number): { items: T[]; more: boolean } {
    const { taken, cut } = this.takeWhile(fetched.slice(0, limit));
    return { items: taken, more: cut || fetched.length > limit };
  }
}
