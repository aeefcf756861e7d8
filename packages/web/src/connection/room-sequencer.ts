/**
 * Applies room events exactly once and in order, per room, by their `seq`
 * (docs/protocol.md, "Sequence numbers" and "Reconnect and catch-up"):
 *
 * - an event whose `seq` is not above the last applied one is a duplicate (the
 *   catch-up answer and live events overlap after a reconnect): dropped;
 * - the next `seq` is applied, followed by any buffered events it unblocks;
 * - a later `seq` is a gap: the event is buffered and the room needs a catch-up
 *   from the last applied `seq`. While a catch-up is in flight, events are only
 *   buffered, so one gap asks for one catch-up.
 *
 * It holds no socket and no timer: `ChatConnection` feeds it and sends the
 * catch-ups it asks for.
 */
import type { RoomCatchUp, RoomEvent, RoomId, RoomSummary } from '@switchboard/chat/api';

/** What the caller must do after offering events. */
export interface SequencerStep {
  /** Events to apply now, in order. */
  apply: RoomEvent[];
  /** Rooms that need a `catchUp` from the given `lastSeq`. */
  catchUp: Array<{ roomId: RoomId; lastSeq: number }>;
}

/** How a `welcome` changed the rooms the sequencer knew. */
export interface WelcomeReconciliation extends SequencerStep {
  /** The server holds less than we applied: its data was replaced; drop the cached room. */
  reset: RoomId[];
  /** No longer in the user's rooms (left from another device). */
  gone: RoomId[];
}

interface RoomCursor {
  lastSeq: number;
  buffer: Map<number, RoomEvent>;
  catchingUp: boolean;
}

export class RoomSequencer {
  readonly #rooms = new Map<RoomId, RoomCursor>();

  /** Starts following a room from `lastSeq` (events up to it are known, e.g. through history). */
  track(roomId: RoomId, lastSeq: number): void {
    if (!this.#rooms.has(roomId)) this.#rooms.set(roomId, newCursor(lastSeq));
  }

  forget(roomId: RoomId): void {
    this.#rooms.delete(roomId);
  }

  lastSeq(roomId: RoomId): number | undefined {
    return this.#rooms.get(roomId)?.lastSeq;
  }

  /** Every room being followed with the last `seq` applied, for a `catchUp` request. */
  positions(): Array<{ roomId: RoomId; lastSeq: number }> {
    return [...this.#rooms].map(([roomId, cursor]) => ({ roomId, lastSeq: cursor.lastSeq }));
  }

  /** Offers one live event (or an `ack` seen as its `message` event). */
  offer(event: RoomEvent): SequencerStep {
    let cursor = this.#rooms.get(event.roomId);
    if (cursor === undefined) {
      // A room we were not told about yet (a join racing its `roomJoined`): follow it from here.
      cursor = newCursor(event.seq - 1);
      this.#rooms.set(event.roomId, cursor);
    }
    if (event.seq <= cursor.lastSeq) return { apply: [], catchUp: [] };
    cursor.buffer.set(event.seq, event);
    if (cursor.catchingUp) return { apply: [], catchUp: [] };
    const apply = drain(cursor);
    if (cursor.buffer.size === 0) return { apply, catchUp: [] };
    cursor.catchingUp = true;
    return { apply, catchUp: [{ roomId: event.roomId, lastSeq: cursor.lastSeq }] };
  }

  /**
   * Compares the rooms of a `welcome` with what was applied before the
   * (re)connect: new rooms are followed from their current `seq` (their past is
   * read with `history`), rooms that moved on need a catch-up.
   */
  reconcile(rooms: RoomSummary[]): WelcomeReconciliation {
    const result: WelcomeReconciliation = { apply: [], catchUp: [], reset: [], gone: [] };
    const seen = new Set<RoomId>();
    for (const room of rooms) {
      seen.add(room.id);
      const cursor = this.#rooms.get(room.id);
      if (cursor === undefined) {
        this.#rooms.set(room.id, newCursor(room.lastSeq));
      } else if (room.lastSeq < cursor.lastSeq) {
        // docs/protocol.md: a smaller lastSeq than we hold means the server's data was replaced.
        this.#rooms.set(room.id, newCursor(room.lastSeq));
        result.reset.push(room.id);
      } else {
        result.apply.push(...drain(cursor));
        if (room.lastSeq > cursor.lastSeq || cursor.buffer.size > 0) {
          cursor.catchingUp = true;
          result.catchUp.push({ roomId: room.id, lastSeq: cursor.lastSeq });
        } else {
          cursor.catchingUp = false;
        }
      }
    }
    for (const roomId of [...this.#rooms.keys()]) {
      if (seen.has(roomId)) continue;
      this.#rooms.delete(roomId);
      result.gone.push(roomId);
    }
    return result;
  }

  /** Applies one room of a `catchUp` answer; asks again while the answer has more or a gap remains. */
  catchUp(answer: RoomCatchUp): SequencerStep {
    const cursor = this.#rooms.get(answer.roomId);
    if (cursor === undefined) return { apply: [], catchUp: [] };
    for (const event of answer.events) {
      if (event.seq > cursor.lastSeq) cursor.buffer.set(event.seq, event);
    }
    const apply = drain(cursor);
    if (!answer.hasMore && apply.length === 0 && cursor.buffer.size > 0) {
      // The server has nothing between us and the buffered events: asking again would
      // loop forever, so accept the hole and go on from the oldest buffered event.
      cursor.lastSeq = Math.min(...cursor.buffer.keys()) - 1;
      apply.push(...drain(cursor));
    }
    if (answer.hasMore || cursor.buffer.size > 0) {
      cursor.catchingUp = true;
      return { apply, catchUp: [{ roomId: answer.roomId, lastSeq: cursor.lastSeq }] };
    }
    cursor.catchingUp = false;
    return { apply, catchUp: [] };
  }

  /** A catch-up request was lost (the socket closed): the next `welcome` asks again. */
  abortCatchUps(): void {
    for (const cursor of this.#rooms.values()) cursor.catchingUp = false;
  }
}

function newCursor(lastSeq: number): RoomCursor {
  return { lastSeq, buffer: new Map(), catchingUp: false };
}

/** Takes consecutive events from the buffer; drops buffered duplicates. */
function drain(cursor: RoomCursor): RoomEvent[] {
  const apply: RoomEvent[] = [];
  for (const seq of cursor.buffer.keys()) {
    if (seq <= cursor.lastSeq) cursor.buffer.delete(seq);
  }
  let next = cursor.buffer.get(cursor.lastSeq + 1);
  while (next !== undefined) {
    cursor.buffer.delete(next.seq);
    cursor.lastSeq = next.seq;
    apply.push(next);
    next = cursor.buffer.get(cursor.lastSeq + 1);
  }
  return apply;
}
