/**
 * Applies room events exactly once and in order, per room, by their `seq`
 * (docs/protocol.md, "Sequence numbers" and "Reconnect and catch-up"):
 *
 * - an event whose `seq` is not above the last applied one is a duplicate (the
 *   catch-up answer and live events overlap after a reconnect): dropped;
 * - the next `seq` is applied, followed by any buffered events it unblocks;
 * - a later `seq` is a gap: the event is buffered and the room needs a catch-up
 *   from the last applied `seq`. One catch-up is out per room at a time, so one
 *   gap asks for one catch-up; events that continue the room are applied
 *   meanwhile.
 * - with `holdGaps`, a gap opened by a live event is first held (`held`): in a busy room served
 *   by several nodes, events sent through another node often arrive a few
 *   milliseconds after later ones, and the missing event then fills the gap by
 *   itself. Only a gap still open when the caller's reorder window ends
 *   (`expireHeld`) asks for a catch-up, so one late event does not make every
 *   member of the room ask at once.
 * - a heartbeat's heads (`pong`) name rooms whose newest `seq` is beyond the
 *   last applied one: those rooms are behind (an event that never arrived, in a
 *   room where nothing else happens) and need a catch-up, as for a gap;
 * - a catch-up that fails is asked again (`failed`, then `pendingCatchUps`); so
 *   is one whose answer says `hasMore` yet moves no room forward (`stalled`),
 *   instead of being asked again at once, forever; a room whose catch-ups keep
 *   failing can skip its gap (`skipGap`) so it goes on applying events instead
 *   of waiting forever;
 * - after a (re)connect the user's rooms come in pages (the `welcome`'s, then
 *   `listRooms`'): a room followed before is left only when no page of the
 *   whole listing names it (`beginListing`, `reconcile` per page, `endListing`;
 *   `abandonListing` when the listing cannot be read to its end).
 *
 * It holds no socket and no timer: `ChatConnection` feeds it, sends the
 * catch-ups it asks for and decides when to retry.
 */
import type { RoomCatchUp, RoomEvent, RoomHead, RoomId, RoomSummary } from '@switchboard/chat/api';

/** What the caller must do after offering events. */
export interface SequencerStep {
  /** Events to apply now, in order. */
  apply: RoomEvent[];
  /** Rooms that need a `catchUp` from the given `lastSeq`. */
  catchUp: Array<{ roomId: RoomId; lastSeq: number }>;
  /** A live event opened a gap in these rooms: call `expireHeld` once the reorder window has passed. */
  held?: RoomId[];
}

/** What a heartbeat's heads ask for. */
export interface HeadsStep extends SequencerStep {
  /** Heads of rooms not followed: rooms joined elsewhere whose `roomJoined` did not arrive. */
  unknown: RoomId[];
}

/** What a `catchUp` answer changed. */
export interface CatchUpStep extends SequencerStep {
  /**
   * Rooms the answer says have more but gave nothing new, in an answer that
   * moved no room forward: not asked again; the caller treats them as failed.
   */
  stalled: RoomId[];
}

/** How a page of the user's rooms changed the rooms the sequencer knew. */
export interface RoomsReconciliation extends SequencerStep {
  /** The server holds less than we applied: its data was replaced; drop the cached room. */
  reset: RoomId[];
}

interface RoomCursor {
  lastSeq: number;
  buffer: Map<number, RoomEvent>;
  /** The room has events after `lastSeq` that were not received: it needs a catch-up. */
  behind: boolean;
  /** The highest `seq` known to exist (a `welcome`, a catch-up answer, a buffered event). */
  knownSeq: number;
  /** A catch-up request for the room is out. */
  inFlight: boolean;
  /** Catch-ups that failed in a row. */
  failures: number;
  /** A head beyond `lastSeq` heard while a catch-up was out (it may have been read before it): 0 for none. */
  pendingHead: number;
  /** The room is behind only by a gap that a late live event may still fill: no catch-up yet (`expireHeld`). */
  held: boolean;
}

export interface RoomSequencerOptions {
  /** Hold a gap opened by a live event until `expireHeld` instead of asking at once. @default false */
  holdGaps?: boolean;
}

export class RoomSequencer {
  readonly #rooms = new Map<RoomId, RoomCursor>();
  readonly #holdGaps: boolean;
  /**
   * While the user's rooms are listed after a (re)connect: the rooms followed
   * before that no page has named yet, with the `seq` applied when it began.
   */
  readonly #unlisted = new Map<RoomId, number>();
  #listing = false;

  constructor({ holdGaps = false }: RoomSequencerOptions = {}) {
    this.#holdGaps = holdGaps;
  }

  /** Starts following a room from `lastSeq` (events up to it are known, e.g. through history). */
  track(roomId: RoomId, lastSeq: number): void {
    // Joined (again) meanwhile: a member whatever the listing says.
    this.#unlisted.delete(roomId);
    if (!this.#rooms.has(roomId)) this.#rooms.set(roomId, newCursor(lastSeq));
  }

  /** Between `beginListing` and `endListing`: the user's rooms are being read. */
  get listing(): boolean {
    return this.#listing;
  }

  forget(roomId: RoomId): void {
    this.#unlisted.delete(roomId);
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
    cursor.knownSeq = Math.max(cursor.knownSeq, event.seq);
    const apply = drain(cursor);
    if (cursor.held && cursor.buffer.size === 0) {
      // The late event arrived within the window: nothing to ask.
      cursor.held = false;
      cursor.behind = false;
    } else if (this.#holdGaps && cursor.buffer.size > 0 && !cursor.behind) {
      cursor.behind = true;
      cursor.held = true;
      return { apply, catchUp: [], held: [event.roomId] };
    }
    if (cursor.buffer.size > 0) cursor.behind = true;
    return { apply, catchUp: this.#ask(event.roomId, cursor) };
  }

  /**
   * The reorder window of the rooms in `roomIds` (a step's `held`) has passed:
   * those whose gap is still open need their catch-up now.
   */
  expireHeld(roomIds: readonly RoomId[]): SequencerStep {
    const catchUp: Array<{ roomId: RoomId; lastSeq: number }> = [];
    for (const roomId of roomIds) {
      const cursor = this.#rooms.get(roomId);
      if (cursor === undefined || !cursor.held) continue;
      cursor.held = false;
      catchUp.push(...this.#ask(roomId, cursor));
    }
    return { apply: [], catchUp };
  }

  /**
   * Applies a heartbeat's heads: a followed room whose head is beyond the last
   * applied `seq` missed events and needs a catch-up (one per room at a time).
   */
  heads(heads: readonly RoomHead[]): HeadsStep {
    const result: HeadsStep = { apply: [], catchUp: [], unknown: [] };
    for (const { roomId, seq } of heads) {
      const cursor = this.#rooms.get(roomId);
      if (cursor === undefined) {
        result.unknown.push(roomId);
        continue;
      }
      if (seq <= cursor.lastSeq) continue;
      // The server says the room moved on: not a reordering to wait for.
      cursor.held = false;
      cursor.knownSeq = Math.max(cursor.knownSeq, seq);
      if (cursor.inFlight) cursor.pendingHead = Math.max(cursor.pendingHead, seq);
      cursor.behind = true;
      result.catchUp.push(...this.#ask(roomId, cursor));
    }
    return result;
  }

  /**
   * A (re)connect lists the user's rooms anew: every room followed so far stays
   * followed, but counts as left unless a page of the listing names it (or it is
   * joined again) before `endListing`.
   */
  beginListing(): void {
    this.#listing = true;
    this.#unlisted.clear();
    for (const [roomId, cursor] of this.#rooms) this.#unlisted.set(roomId, cursor.lastSeq);
  }

  /**
   * Compares one page of the user's rooms with what was applied: new rooms are
   * followed from their current `seq` (their past is read with `history`), rooms
   * that moved on need a catch-up.
   */
  reconcile(rooms: readonly RoomSummary[]): RoomsReconciliation {
    const result: RoomsReconciliation = { apply: [], catchUp: [], reset: [] };
    for (const room of rooms) {
      const before = this.#unlisted.get(room.id);
      this.#unlisted.delete(room.id);
      const cursor = this.#rooms.get(room.id);
      if (cursor === undefined) {
        this.#rooms.set(room.id, newCursor(room.lastSeq));
      } else if (before !== undefined && room.lastSeq < before) {
        // docs/protocol.md: a smaller lastSeq than we held means the server's data was replaced.
        // (Compared with what was held before the connect: live events may since be ahead of a later page.)
        this.#rooms.set(room.id, newCursor(room.lastSeq));
        result.reset.push(room.id);
      } else {
        result.apply.push(...drain(cursor));
        // The listing says where the room is: a gap it confirms is caught up now.
        cursor.held = false;
        cursor.knownSeq = Math.max(cursor.knownSeq, room.lastSeq);
        cursor.behind = cursor.behind || room.lastSeq > cursor.lastSeq || cursor.buffer.size > 0;
        result.catchUp.push(...this.#ask(room.id, cursor));
      }
    }
    return result;
  }

  /** The listing cannot be read to its end: the rooms no page named yet are kept, none counts as left. */
  abandonListing(): void {
    this.#unlisted.clear();
    this.#listing = false;
  }

  /** The listing ended: the rooms no page named were left (perhaps from another device) and are no longer followed. */
  endListing(): RoomId[] {
    const gone = [...this.#unlisted.keys()];
    for (const roomId of gone) this.#rooms.delete(roomId);
    this.#unlisted.clear();
    this.#listing = false;
    return gone;
  }

  /**
   * Applies a `catchUp` answer; asks again for each room while it has more or a
   * gap remains. A room with `hasMore` and no events is normal when the frame
   * filled up with other rooms; an answer in which no room moved forward is not.
   */
  catchUp(answer: readonly RoomCatchUp[]): CatchUpStep {
    const apply: RoomEvent[] = [];
    const answered: Array<[RoomId, RoomCursor]> = [];
    let moved = false;
    for (const room of answer) {
      const cursor = this.#rooms.get(room.roomId);
      if (cursor === undefined) continue;
      const { lastSeq, behind } = cursor;
      apply.push(...applyCatchUp(cursor, room));
      answered.push([room.roomId, cursor]);
      if (cursor.lastSeq > lastSeq || (behind && !cursor.behind)) {
        moved = true;
        cursor.failures = 0;
      }
    }
    const step: CatchUpStep = { apply, catchUp: [], stalled: [] };
    for (const [roomId, cursor] of answered) {
      if (moved) step.catchUp.push(...this.#ask(roomId, cursor));
      else if (cursor.behind) step.stalled.push(roomId);
    }
    return step;
  }

  /**
   * Catch-up requests for these rooms failed (an error answer, a timeout): they
   * may be asked again. Returns how many times in a row the worst of them failed.
   */
  failed(roomIds: readonly RoomId[]): number {
    let worst = 0;
    for (const roomId of roomIds) {
      const cursor = this.#rooms.get(roomId);
      if (cursor === undefined) continue;
      cursor.inFlight = false;
      cursor.failures += 1;
      worst = Math.max(worst, cursor.failures);
    }
    return worst;
  }

  /** The catch-ups to send again: rooms still behind with no request out. */
  pendingCatchUps(): Array<{ roomId: RoomId; lastSeq: number }> {
    const asks: Array<{ roomId: RoomId; lastSeq: number }> = [];
    for (const [roomId, cursor] of this.#rooms) asks.push(...this.#ask(roomId, cursor));
    return asks;
  }

  /** Rooms whose catch-ups failed at least `attempts` times in a row. */
  failing(attempts: number): RoomId[] {
    return [...this.#rooms].filter(([, cursor]) => cursor.behind && cursor.failures >= attempts).map(([id]) => id);
  }

  /**
   * Gives up filling the room's gap: goes on from the oldest buffered event (or
   * from the newest `seq` known), so the room applies events again. What was
   * skipped is not applied: the caller reloads the room (its `history`).
   */
  skipGap(roomId: RoomId): SequencerStep {
    const cursor = this.#rooms.get(roomId);
    if (cursor === undefined || !cursor.behind) return { apply: [], catchUp: [] };
    cursor.lastSeq = cursor.buffer.size > 0 ? Math.min(...cursor.buffer.keys()) - 1 : cursor.knownSeq;
    const apply = drain(cursor);
    cursor.behind = cursor.buffer.size > 0;
    cursor.failures = 0;
    return { apply, catchUp: this.#ask(roomId, cursor) };
  }

  /** The socket closed: no request is out any more, and the next `welcome` asks again. */
  abortCatchUps(): void {
    for (const cursor of this.#rooms.values()) {
      cursor.inFlight = false;
      cursor.held = false;
    }
  }

  /** A catch-up for the room if it is behind and none is out (one gap, one request). */
  #ask(roomId: RoomId, cursor: RoomCursor): Array<{ roomId: RoomId; lastSeq: number }> {
    if (!cursor.behind || cursor.inFlight || cursor.held) return [];
    cursor.inFlight = true;
    return [{ roomId, lastSeq: cursor.lastSeq }];
  }
}

/** Applies one room of a `catchUp` answer to its cursor; returns the events to apply. */
function applyCatchUp(cursor: RoomCursor, answer: RoomCatchUp): RoomEvent[] {
  cursor.inFlight = false;
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
  // A head heard while this answer was on its way may be newer than what it read: ask once more.
  cursor.behind = answer.hasMore || cursor.buffer.size > 0 || cursor.pendingHead > cursor.lastSeq;
  cursor.pendingHead = 0;
  if (!cursor.behind) cursor.knownSeq = Math.max(cursor.knownSeq, cursor.lastSeq);
  return apply;
}

function newCursor(lastSeq: number): RoomCursor {
  return {
    lastSeq,
    buffer: new Map(),
    behind: false,
    knownSeq: lastSeq,
    inFlight: false,
    failures: 0,
    pendingHead: 0,
    held: false,
  };
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
