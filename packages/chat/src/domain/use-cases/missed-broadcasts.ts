/**
 * Rooms whose broadcast failed on this node (its Redis away while the store took
 * the message). Their members on other nodes heard nothing of what was
 * acknowledged meanwhile, and nothing else tells them: their own nodes' links never
 * dropped, so those send no `resync`. Once publishing works again, each such room
 * gets one `resync` frame, and its members catch up at once instead of at their
 * next heartbeat. The server retries on a timer (server.ts).
 */
import type { Broadcaster } from '../../ports/broadcaster.ts';
import type { RoomId } from '../types.ts';

/** Rooms remembered at most: past this, members learn of a missed broadcast at their heartbeat. */
export const MISSED_BROADCAST_ROOMS_MAX = 10_000;

export class MissedBroadcasts {
  readonly #broadcaster: Broadcaster;
  readonly #rooms = new Set<RoomId>();
  #retrying = false;

  constructor(broadcaster: Broadcaster) {
    this.#broadcaster = broadcaster;
  }

  /** A broadcast to the room failed. */
  missed(roomId: RoomId): void {
    if (this.#rooms.size < MISSED_BROADCAST_ROOMS_MAX) this.#rooms.add(roomId);
  }

  /** Sends each remembered room its `resync`, oldest first; stops at the first that fails (publishing is still away). */
  async retry(): Promise<void> {
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      for (const roomId of this.#rooms) {
        await this.#broadcaster.publishToRoom(roomId, { type: 'resync' });
        this.#rooms.delete(roomId);
      }
    } catch {
      // Still away: the next retry starts again from this room.
    } finally {
      this.#retrying = false;
    }
  }
}
