/**
 * The heartbeat: a connected client pings every `intervalMs`, and each answer
 * names the user's rooms whose head (newest `seq`) moved since the ping before.
 * A client that has applied less of a room catches it up (`catchUp`), so an
 * event whose broadcast was lost (a publish dropped, a Redis subscriber that
 * reconnected, a function that stopped half-way through its posts) reaches every
 * connected member within one interval, with nothing else sent in the room. The
 * pings also keep an idle connection open (API Gateway closes one after 10
 * minutes without a frame: apigw-websocket-spec section 3.1).
 *
 *   welcome.pingSince ─▶ ping {since} ─▶ pong {heads, since} ─▶ ping {since} ─▶ …
 *                                             └ hasMore: ping again at once with `since`
 *
 * `since` is a cursor holding a time, not a sequence: rooms have a sequence
 * each, and the user's rooms are too many to send their positions in every
 * ping. A round looks back `ChatLimits.headsLookbackMs` before its start (see
 * there why), so it may name a room the client already caught up with: harmless,
 * since the client compares each head with what it applied.
 */
import { AnswerBudget } from '../answer-budget.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatLimits } from '../limits.ts';
import type { RoomHead, UserId } from '../types.ts';
import type { ServiceContext } from './context.ts';

export interface HeartbeatSettings {
  /** How often clients ping, told to them in `welcome.limits`. @default 25000 */
  intervalMs: number;
}

export const defaultHeartbeatIntervalMs = 25_000;

/** A `pong`'s news. */
export interface Heartbeat {
  /** The user's rooms whose head moved since `since` (by room id; rooms the client is level with included). */
  heads: RoomHead[];
  /** For the next ping. */
  since: string;
  /** Heads were left out to fit the frame: ping again at once with `since`. */
  hasMore: boolean;
}

export class HeartbeatService {
  /** How often clients should ping. */
  readonly intervalMs: number;
  readonly #context: ServiceContext;

  constructor(context: ServiceContext, settings: HeartbeatSettings) {
    if (!Number.isSafeInteger(settings.intervalMs) || settings.intervalMs < 1) {
      throw new TypeError(
        `The heartbeat interval must be a positive number of milliseconds, got ${settings.intervalMs}.`,
      );
    }
    this.#context = context;
    this.intervalMs = settings.intervalMs;
  }

  /** A `since` from now: what `welcome` gives for the first ping (taken before the welcome reads the rooms). */
  start(): string {
    const now = this.#context.clock.now();
    return encodeCursor({ list: 'heads', from: now, after: '', to: now });
  }

  /**
   * The heads of the user's rooms that moved since `since` (none without one:
   * the answer then starts the rounds), a page that fits one frame.
   * Errors: RATE_LIMITED, BAD_REQUEST (a cursor that is not a `pong`'s).
   */
  async ping(userId: UserId, since?: string): Promise<Heartbeat> {
    const { store, clock, limits } = this.#context;
    if (since === undefined) return { heads: [], since: this.start(), hasMore: false };
    // Only a ping that reads the store counts: one that just keeps a connection open costs nothing.
    await limits.take('ping', userId);
    const cursor = decodeCursor(since, 'heads');
    // A round's first page fixes when the round began: the next round looks from there.
    const to = cursor.after === '' ? clock.now() : cursor.to;
    const found = await store.listRoomHeads(userId, cursor.from - ChatLimits.headsLookbackMs, {
      ...(cursor.after === '' ? {} : { after: cursor.after }),
      limit: ChatLimits.headsPageSize + 1,
    });
    const { items, more } = new AnswerBudget().page(found, ChatLimits.headsPageSize);
    const last = items.at(-1);
    if (more && last) {
      return {
        heads: items,
        since: encodeCursor({ list: 'heads', from: cursor.from, after: last.roomId, to }),
        hasMore: true,
      };
    }
    return { heads: items, since: encodeCursor({ list: 'heads', from: to, after: '', to }), hasMore: false };
  }
}
