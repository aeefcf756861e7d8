/**
 * Group commit off the event loop: the message appends of a turn commit with
 * `synchronous = NORMAL` (no fsync inside the commit, which better-sqlite3 would
 * run on the main thread), then one `fdatasync` of the WAL file runs on libuv's
 * thread pool while the event loop goes on. The appends resolve only once that
 * sync is done, so an ack still means durable across power loss, as with
 * `synchronous = FULL`; commits made while a sync is running wait for the next
 * one, which covers them all (one fsync for many turns when the disk is slow).
 *
 *   turn 1: commit A ─▶ fdatasync #1 ────────▶ resolve A
 *   turn 2: commit B ─┐                       fdatasync #2 ──▶ resolve B, C
 *   turn 3: commit C ─┘ (wait for #1 to end)
 *
 * Why this is safe: in WAL mode a commit appends frames to the WAL; SQLite keeps
 * the database consistent across a crash at any point in NORMAL mode (frames
 * after the last durable commit are ignored by their checksums), and a sync of
 * the WAL file after the commit makes it durable. A checkpoint syncs the WAL
 * itself before copying it. A write outside the group commit syncs what the
 * appends committed before it first (`syncNow`), so it is never published ahead of them.
 *
 * Until its sync ends, a committed append is visible to this connection's reads;
 * the store makes the reads that could show it to a client wait (`whenDurable`),
 * so no client learns of a message that a power cut could still undo.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

interface Waiting {
  /** The commit this waiter needs durable. */
  upTo: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class WalSync {
  readonly #fd: number;
  readonly #toError: (error: unknown) => Error;
  /** Commits counted so far, and how many of them are durable. */
  #committed = 0;
  #durable = 0;
  #syncing = false;
  #closed = false;
  #waiting: Waiting[] = [];

  /** Opens the WAL file of the database at `databaseFile` (it exists once the database is in WAL mode). */
  constructor(databaseFile: string, toError: (error: unknown) => Error) {
    this.#fd = openSync(`${databaseFile}-wal`, 'r+');
    this.#toError = toError;
  }

  /** True while a committed append is not durable yet. */
  get pending(): boolean {
    return this.#durable < this.#committed;
  }

  /** Counts a commit made in NORMAL mode and starts its sync (or leaves it to the next one). */
  committed(): void {
    this.#committed++;
    this.#startSync();
  }

  /** Resolves once every commit counted so far is durable. */
  whenDurable(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiting.push({ upTo: this.#committed, resolve, reject }));
  }

  /**
   * Makes every commit counted so far durable now, on the main thread: for a write
   * that must not be published before the appends committed ahead of it. Nothing
   * to do (no syscall) when they are durable already.
   */
  syncNow(): void {
    if (!this.pending) return;
    const upTo = this.#committed;
    try {
      fdatasyncSync(this.#fd);
      this.#settle(upTo);
    } catch (error) {
      this.#fail(upTo, this.#toError(error));
    }
  }

  /** Settles what is committed (a last sync, on the main thread) and closes the file. */
  close(): void {
    this.syncNow();
    this.#closed = true;
    // A sync still running on the thread pool closes the file when it ends, so its number is not reused under it.
    if (!this.#syncing) closeSync(this.#fd);
  }

  #startSync(): void {
    if (this.#syncing || !this.pending) return;
    this.#syncing = true;
    const upTo = this.#committed;
    fdatasync(this.#fd, (error) => {
      this.#syncing = false;
      if (this.#closed) {
        closeSync(this.#fd);
        return;
      }
      if (error) this.#fail(upTo, this.#toError(error));
      else this.#settle(upTo);
      this.#startSync();
    });
  }

  #settle(upTo: number): void {
    if (upTo > this.#durable) this.#durable = upTo;
    this.#release(upTo, (waiter) => waiter.resolve());
  }

  /** The sync failed: these commits may not survive a power cut, so their appends fail (a retry is deduplicated). */
  #fail(upTo: number, error: Error): void {
    if (upTo > this.#durable) this.#durable = upTo;
    this.#release(upTo, (waiter) => waiter.reject(error));
  }

  #release(upTo: number, settle: (waiter: Waiting) => void): void {
    if (this.#waiting.length === 0) return;
    const still: Waiting[] = [];
    for (const waiter of this.#waiting) {
      if (waiter.upTo <= upTo) settle(waiter);
      else still.push(waiter);
    }
    this.#waiting = still;
  }
}
