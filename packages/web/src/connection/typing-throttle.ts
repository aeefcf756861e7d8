/**
 * Paces the `typing` frames (docs/protocol.md, "typing"): the server relays at
 * most one per user and room per interval and drops the rest, so a room's frame
 * goes out at most once per that interval; none goes out while a `RATE_LIMITED`
 * refusal of one lasts. It keeps when each room's last frame went out, the
 * interval, and the end of the pause.
 */
import type { RoomId } from '@switchboard/chat/api';

export class TypingThrottle {
  readonly #now: () => number;
  readonly #lastSentAt = new Map<RoomId, number>();
  #intervalMs = 2000;
  /** No `typing` before this time: the server refused one with `RATE_LIMITED`. */
  #pausedUntil = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  /**
   * Follows the server's relay interval (a `welcome`'s `limits.typingIntervalMs`),
   * with half a second more: a frame must not reach the server within the
   * interval of the last one, which it would drop.
   */
  relayEvery(typingIntervalMs: number): void {
    this.#intervalMs = Math.max(typingIntervalMs, 500) + 500;
  }

  /** Whether a `typing` frame for the room may go out now; if so, it counts as sent. */
  admit(roomId: RoomId): boolean {
    const now = this.#now();
    // docs/protocol.md "typing": frames faster than the relay interval are dropped by the server anyway.
    if (now < this.#pausedUntil) return false;
    if (now - (this.#lastSentAt.get(roomId) ?? 0) < this.#intervalMs) return false;
    this.#lastSentAt.set(roomId, now);
    return true;
  }

  /** Receivers hide the indicator when the message arrives: typing again should show it again. */
  messageSent(roomId: RoomId): void {
    this.#lastSentAt.delete(roomId);
  }

  /** The server refused a `typing` frame (`RATE_LIMITED`): none before `retryAfterMs`, or one interval. */
  pause(retryAfterMs: number | undefined): void {
    this.#pausedUntil = this.#now() + (retryAfterMs ?? this.#intervalMs);
  }
}
