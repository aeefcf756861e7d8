/**
 * When the client tells the server how far the user has read (docs/protocol.md,
 * "markRead"). Each `markRead` is a request (on AWS a billed message and a
 * function call), so one per arriving message would cost more than the messages:
 * per room, the position goes out at once when none went out for `intervalMs`,
 * otherwise once that interval is over, with the latest position by then. What is
 * still waiting goes out at once when the user leaves the room or the page is
 * hidden (`flush`). A position at or behind one already sent is never sent.
 */
import type { RoomId } from '@switchboard/chat/api';

export interface ReadReceiptsOptions {
  /** Sends `markRead`; false when it cannot go out now (offline): it is kept for the next `flush`. */
  send: (roomId: RoomId, seq: number) => boolean;
  /** The least time between two positions sent for one room. @default 5000 */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
}

interface RoomReceipt {
  /** The highest position sent. */
  sent: number;
  sentAt: number;
  /** The highest position read, sent or not. */
  read: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class ReadReceipts {
  readonly #send: (roomId: RoomId, seq: number) => boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #rooms = new Map<RoomId, RoomReceipt>();

  constructor(options: ReadReceiptsOptions) {
    this.#send = options.send;
    this.#intervalMs = options.intervalMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** The user has seen the room up to `seq`. */
  read(roomId: RoomId, seq: number): void {
    let receipt = this.#rooms.get(roomId);
    if (receipt === undefined) {
      receipt = { sent: 0, sentAt: Number.NEGATIVE_INFINITY, read: 0, timer: null };
      this.#rooms.set(roomId, receipt);
    }
    if (seq <= receipt.read) return;
    receipt.read = seq;
    if (receipt.timer !== null) return;
    // A timer even when the interval is over: the events of one batch are read together, sent once.
    const delay = Math.max(0, receipt.sentAt + this.#intervalMs - this.#now());
    receipt.timer = setTimeout(() => {
      receipt.timer = null;
      this.#sendNow(roomId, receipt);
    }, delay);
  }

  /** The highest position the user has read in the room (sent or waiting), 0 if none. */
  position(roomId: RoomId): number {
    return this.#rooms.get(roomId)?.read ?? 0;
  }

  /** Sends what is waiting, for one room or for all (the user left the room, the page is hidden, back online). */
  flush(roomId?: RoomId): void {
    const rooms = roomId === undefined ? [...this.#rooms] : [[roomId, this.#rooms.get(roomId)] as const];
    for (const [id, receipt] of rooms) {
      if (receipt === undefined) continue;
      if (receipt.timer !== null) clearTimeout(receipt.timer);
      receipt.timer = null;
      this.#sendNow(id, receipt);
    }
  }

  /** Forgets a room (left, or its data was replaced: positions sent before mean nothing now). */
  forget(roomId: RoomId): void {
    const receipt = this.#rooms.get(roomId);
    if (receipt?.timer != null) clearTimeout(receipt.timer);
    this.#rooms.delete(roomId);
  }

  /** Stops every timer; nothing more is sent. */
  stop(): void {
    for (const roomId of [...this.#rooms.keys()]) this.forget(roomId);
  }

  #sendNow(roomId: RoomId, receipt: RoomReceipt): void {
    if (receipt.read <= receipt.sent || !this.#send(roomId, receipt.read)) return;
    receipt.sent = receipt.read;
    receipt.sentAt = this.#now();
  }
}
