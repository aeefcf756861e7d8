import { ChatLimits } from '@switchboard/chat/api';

/**
 * Follows the cursors of one listing that the server sends in pages
 * (docs/protocol.md, "Pages and cursors") and ends it when the server's cursors
 * would never end it: a cursor given out before (a loop), pages in a row that
 * bring nothing new, or more pages than any real listing needs; and at a cursor
 * longer than the protocol allows, which is neither kept nor sent back. A
 * listing the trail ended is `cut`: the caller must not treat what it read as
 * complete.
 *
 * @example
 * const trail = new CursorTrail();
 * let cursor = trail.next(welcome.roomsCursor, welcome.rooms.length);
 * while (cursor !== null) {
 *   const page = await read(cursor);
 *   cursor = trail.next(page.nextCursor, page.joined.length);
 * }
 */

export interface CursorTrailOptions {
  /** Pages read at most, the first included (the server's pages hold 100 entries). @default 500 */
  maxPages?: number;
  /**
   * Pages in a row without a new entry that still carry a cursor. The server
   * sends an empty page with a cursor only when a frame had no room left for
   * the list (the online users of a `welcome`), never twice in a row.
   * @default 3
   */
  maxEmptyPages?: number;
}

export class CursorTrail {
  readonly #maxPages: number;
  readonly #maxEmptyPages: number;
  readonly #seen = new Set<string>();
  #pages = 0;
  #emptyPages = 0;
  #cut = false;

  constructor({ maxPages = 500, maxEmptyPages = 3 }: CursorTrailOptions = {}) {
    this.#maxPages = maxPages;
    this.#maxEmptyPages = maxEmptyPages;
  }

  /**
   * Records a page that brought `added` new entries and gave `nextCursor`:
   * returns the cursor of the page to read next, or null when the listing is over.
   */
  next(nextCursor: string | undefined, added: number): string | null {
    this.#pages += 1;
    this.#emptyPages = added > 0 ? 0 : this.#emptyPages + 1;
    if (nextCursor === undefined || this.#cut) return null;
    if (
      nextCursor.length > ChatLimits.cursorMaxLength ||
      this.#seen.has(nextCursor) ||
      this.#pages >= this.#maxPages ||
      this.#emptyPages >= this.#maxEmptyPages
    ) {
      this.#cut = true;
      return null;
    }
    this.#seen.add(nextCursor);
    return nextCursor;
  }

  /** The trail ended the listing before the server did: entries may be missing. */
  get cut(): boolean {
    return this.#cut;
  }
}
