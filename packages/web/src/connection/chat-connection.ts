/**
 * The client's end of the chat protocol: one WebSocket, reconnected with backoff,
 * with exact catch-up and idempotent sends (docs/protocol.md, "Reconnect and
 * catch-up"). No React and no DOM: the UI subscribes to its events.
 *
 *   connect()                       socket closes (not by close())
 *      |                                   |
 *   connecting --open--> hello --welcome--> online --+--> reconnecting --timer--> hello ...
 *                                                    |
 *   close() or expired token ----------------------> offline
 *
 * After every `welcome`: the rest of the user's rooms is read page by page
 * (`listRooms` from the welcome's `roomsCursor`), rooms that moved on are caught
 * up from the last applied `seq`, live events that overlap the catch-up are
 * dropped by `seq`, and every send without an `ack` goes out again with its
 * original `clientMessageId`. A room counts as left only when a complete listing
 * does not name it: a listing whose pages keep failing or whose cursors never end
 * (`CursorTrail`) is left unfinished, and the rooms it did not reach stay.
 *
 * From each `welcome` on, a heartbeat `ping` goes out every
 * `limits.heartbeatIntervalMs` with the last `since` (and soon after a `resync`);
 * the rooms its `pong` names beyond what was applied are caught up, so an event
 * whose broadcast was lost arrives within one interval in a quiet room too. A
 * ping with no answer in `requestTimeoutMs` gives the connection up as silent
 * and opens another.
 *
 * A catch-up that fails (an `error` answer, no answer in time, an answer that
 * says `hasMore` but moves no room forward) is asked again with backoff; after
 * `catchUpAttempts` failures in a row the room skips its gap and is reloaded
 * (`roomReset`), so a room never stops applying events.
 *
 * `ChatConnection` keeps the socket and the protocol's state machine above
 * (connect, open, welcome, the pages of rooms, heartbeat, catch-up, dispatch);
 * the rest is kept by parts that it feeds, none of which holds the socket:
 *
 * | part               | file                  | what it keeps                                                  |
 * |--------------------|-----------------------|----------------------------------------------------------------|
 * | room sequencer     | room-sequencer.ts     | each room's last applied `seq`, its gaps, catch-ups, listings  |
 * | requests in flight | requests-in-flight.ts | the requests out by `requestId`, until answered or timed out   |
 * | outbox             | outbox.ts             | the sends not yet acknowledged (`pending`), and their resends  |
 * | typing throttle    | typing-throttle.ts    | when each room's next `typing` frame may go out                |
 */
import type {
  AckMessage,
  AttachmentInput,
  CatchUpMessage,
  ClientRequest,
  ErrorMessage,
  PongMessage,
  ReplyAckMessage,
  RoomEvent,
  RoomId,
  RoomSummary,
  RoomsMessage,
  ServerMessage,
  WelcomeMessage,
} from '@switchboard/chat/api';
import { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff.ts';
import { ChatRequestError } from './chat-request-error.ts';
import { CursorTrail } from './cursor-trail.ts';
import { Emitter } from './emitter.ts';
import { Outbox, type PendingSend } from './outbox.ts';
import { type ChatRequest, RequestsInFlight } from './requests-in-flight.ts';
import { RoomSequencer, type RoomsReconciliation, type SequencerStep } from './room-sequencer.ts';
import { TypingThrottle } from './typing-throttle.ts';
import type { UnsentSends } from './unsent-sends.ts';

/** What the user sees: `offline` only when stopped or signed out; a dropped socket is `reconnecting`. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** The subset of the browser's `WebSocket` the connection uses (the `ws` package's client fits too). */
export interface WebSocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ChatConnectionOptions {
  /** The WebSocket URL, token included; a function is asked again before every attempt. */
  url: string | (() => string);
  /** @default (url) => new WebSocket(url) */
  createSocket?: (url: string) => WebSocketLike;
  /** Reconnect delays. @default defaultBackoff (0.5 s doubling to 30 s, half of it random) */
  backoff?: Partial<BackoffOptions>;
  /** @default Math.random */
  random?: () => number;
  /** @default Date.now */
  now?: () => number;
  /** @default crypto.randomUUID */
  createId?: () => string;
  /** Answers slower than this reject with `TIMEOUT`; an unacknowledged send is sent again. @default 10000 */
  requestTimeoutMs?: number;
  /** Where unacknowledged sends are kept across a reload (unsent-sends.ts). @default nowhere: in memory only */
  unsent?: Pick<UnsentSends, 'load' | 'save'>;
  /**
   * A socket that has not opened by then is given up and the next attempt follows
   * the backoff: a handshake can stall for good (a server's full accept queue, a
   * proxy holding it), and neither the browser nor `ws` times it out. @default 10000
   */
  openTimeoutMs?: number;
  /**
   * How often the heartbeat `ping` goes out (it also keeps an idle connection
   * from the gateway's idle timeout). @default the welcome's `limits.heartbeatIntervalMs`
   */
  pingIntervalMs?: number;
  /**
   * Failed catch-ups of a room (retried with `backoff`) before it skips the
   * missing events and is reloaded from `history` instead.
   * @default 5
   */
  catchUpAttempts?: number;
  /**
   * How long a gap opened by a live event may wait for the missing event before
   * the room is caught up; each wait is this plus a random share of it, so the
   * members of a room that really missed an event do not all ask at once.
   * Events sent through another node of a cluster often arrive a little after
   * later ones.
   * @default 150
   */
  reorderWindowMs?: number;
  /**
   * Tries of a page of a listing (`requestPage`) that fails for a reason that
   * may pass, the first included, with `backoff` between them.
   * @default 5
   */
  pageAttempts?: number;
  /**
   * When the token expires (a function is asked again before every attempt, for a
   * token that is renewed): the connection then stops instead of retrying.
   * @default Infinity
   */
  tokenExpiresAt?: number | (() => number);
}

export interface ChatConnectionEvents {
  state: (state: ConnectionState, retryAt: number | null) => void;
  /**
   * Sent after each (re)connect; `rooms` carry the server-kept unread counts.
   * They are the first page: the rest arrive as `rooms`, and rooms known before
   * stay until the whole listing has been read (those it left out are `roomGone`).
   */
  welcome: (welcome: WelcomeMessage) => void;
  /** More of the user's rooms, a later page of the welcome's list. */
  rooms: (rooms: RoomSummary[]) => void;
  /** A room event to apply: in `seq` order per room, each exactly once (acks included). */
  roomEvent: (event: RoomEvent) => void;
  /**
   * Discard what is cached of the room and reload it: the server's data was
   * replaced, or the room's missed events could not be caught up.
   */
  roomReset: (roomId: RoomId) => void;
  /** The room is no longer readable (left from another device). */
  roomGone: (roomId: RoomId) => void;
  /** Any other frame: presence, typing, read, roomJoined, roomLeft, answers, unmatched errors. */
  frame: (frame: ServerMessage) => void;
  /** The list of unacknowledged sends changed. */
  pending: (pending: readonly PendingSend[]) => void;
  /** A send was refused by a rate limit (`RATE_LIMITED`); it goes out again by itself after `retryAfterMs`. */
  throttled: (retryAfterMs: number) => void;
  /** The token was refused or expired: sign in again. */
  unauthorized: () => void;
}

/** The heartbeat interval when the server does not say (docs/protocol.md, "ping"). */
const DEFAULT_HEARTBEAT_MS = 25_000;

/** A `resync` is answered within this long, at a random moment (docs/protocol.md, "resync"). */
const RESYNC_SPREAD_MS = 2000;

/** Events of these types go through the sequencer: every room event type (a new one fails to compile until listed). */
const roomEventTypes = new Set<string>(
  Object.keys({
    message: true,
    messageEdited: true,
    messageDeleted: true,
    messageReacted: true,
    messagePinned: true,
    messageUnpinned: true,
    threadUpdated: true,
    memberJoined: true,
    memberLeft: true,
    topicChanged: true,
    roomRenamed: true,
    visibilityChanged: true,
    memberRoleChanged: true,
    readOnlyChanged: true,
  } satisfies Record<RoomEvent['type'], true>),
);

/**
 * @example
 * const connection = new ChatConnection({ url: () => `wss://chat.example/ws?token=${token}` });
 * connection.on('roomEvent', (event) => render(event));
 * connection.connect();
 * connection.send(roomId, 'Ship it?');
 */
export class ChatConnection extends Emitter<ChatConnectionEvents> {
  readonly #options: Required<Omit<ChatConnectionOptions, 'backoff' | 'pingIntervalMs' | 'unsent'>> &
    Pick<ChatConnectionOptions, 'pingIntervalMs' | 'unsent'> & { backoff: BackoffOptions };
  readonly #sequencer: RoomSequencer;
  readonly #requests: RequestsInFlight;
  readonly #outbox: Outbox;
  readonly #typingThrottle: TypingThrottle;
  #socket: WebSocketLike | null = null;
  #state: ConnectionState = 'offline';
  #retryAt: number | null = null;
  #attempt = 0;
  #stopped = true;
  #welcomed = false;
  /** Room events and acks that arrived before the `welcome` they must be reconciled with. */
  #early: ServerMessage[] = [];
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  /** A heartbeat asked for by `resync`, a random moment later. */
  #resyncTimer: ReturnType<typeof setTimeout> | null = null;
  /** The `since` of the next heartbeat `ping` (the welcome's, then each `pong`'s). */
  #since: string | undefined;
  /** A heartbeat `ping` is out: another waits for its answer. */
  #beating = false;
  #catchUpTimer: ReturnType<typeof setTimeout> | null = null;
  /** Rooms whose gap waits for its late event (`reorderWindowMs`), and the timer that ends the wait. */
  #held: RoomId[] = [];
  #reorderTimer: ReturnType<typeof setTimeout> | null = null;
  /** Counts `welcome`s: a page asked for before the latest one belongs to an older listing. */
  #welcomes = 0;
  /** No reconnect before this time: the server refused the `hello` with `RATE_LIMITED`. */
  #reconnectNotBefore = 0;

  constructor(options: ChatConnectionOptions) {
    super();
    this.#options = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      random: Math.random,
      now: Date.now,
      createId: () => crypto.randomUUID(),
      requestTimeoutMs: 10_000,
      openTimeoutMs: 10_000,
      catchUpAttempts: 5,
      reorderWindowMs: 150,
      pageAttempts: 5,
      tokenExpiresAt: Number.POSITIVE_INFINITY,
      ...options,
      backoff: { ...defaultBackoff, ...options.backoff },
    };
    this.#sequencer = new RoomSequencer({ holdGaps: this.#options.reorderWindowMs > 0 });
    this.#requests = new RequestsInFlight((frame) => this.#write(frame), this.#options.requestTimeoutMs);
    this.#outbox = new Outbox({
      write: (frame) => this.#write(frame),
      welcomed: () => this.#welcomed,
      createId: this.#options.createId,
      now: this.#options.now,
      resendAfterMs: this.#options.requestTimeoutMs,
      onChange: (pending) => {
        this.#options.unsent?.save(pending);
        this.emit('pending', pending);
      },
      onThrottled: (retryAfterMs) => this.emit('throttled', retryAfterMs),
      restored: this.#options.unsent?.load() ?? [],
    });
    this.#typingThrottle = new TypingThrottle(this.#options.now);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** When the next reconnect attempt starts, while `reconnecting` and waiting. */
  get retryAt(): number | null {
    return this.#retryAt;
  }

  get pending(): readonly PendingSend[] {
    return this.#outbox.pending;
  }

  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  /** Stops (sign-out): no reconnect. Unacknowledged sends stop going out; they stay in `pending`, and a later `connect()` sends them again. */
  close(): void {
    this.#stopped = true;
    this.#clearReconnect();
    const socket = this.#socket;
    this.#socket = null;
    this.#dropSocket();
    socket?.close(1000, 'closed by client');
    this.#outbox.stopResending();
    this.#setState('offline');
  }

  /** Skips the rest of the backoff delay (the user asked, or the browser went back online). */
  retryNow(): void {
    if (this.#stopped || this.#reconnectTimer === null) return;
    this.#clearReconnect();
    this.#open();
  }

  /**
   * Sends a request and resolves with its answer (matched by `requestId`); rejects
   * with a `ChatRequestError` for an `error` frame, a closed socket or a timeout.
   */
  request(request: ChatRequest): Promise<ServerMessage> {
    if (!this.#welcomed) {
      return Promise.reject(ChatRequestError.notConnected(request.action));
    }
    return this.#requests.send(request);
  }

  /**
   * `request` for a page of a listing: a failure that may pass (`transient`) is
   * asked again with the reconnect backoff (at least `retryAfterMs`), up to
   * `pageAttempts` tries in all. A closed socket ends it (`DISCONNECTED`), even
   * when a new connection is up by the next try: its listings start over.
   */
  async requestPage(request: ChatRequest): Promise<ServerMessage> {
    const welcomes = this.#welcomes;
    for (let failures = 0; ; failures++) {
      try {
        if (welcomes !== this.#welcomes) throw ChatRequestError.notConnected(request.action);
        return await this.request(request);
      } catch (error) {
        const failure = error as ChatRequestError;
        if (!failure.transient || failures + 1 >= this.#options.pageAttempts) throw failure;
        const delay = Math.max(
          backoffDelay(failures, this.#options.random, this.#options.backoff),
          failure.retryAfterMs ?? 0,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Queues a message; it is sent now if online, else after the next `welcome`, until acknowledged. */
  send(roomId: RoomId, text: string, attachments: AttachmentInput[] = []): PendingSend {
    this.#typingThrottle.messageSent(roomId);
    return this.#outbox.add(roomId, text, attachments);
  }

  /** Sends a failed message again, with its original `clientMessageId`. */
  retrySend(clientMessageId: string): void {
    this.#outbox.retry(clientMessageId);
  }

  discardSend(clientMessageId: string): void {
    this.#outbox.remove(clientMessageId);
  }

  /** Tells the room the user is typing, at most once per the server's relay interval (extra calls do nothing). */
  typing(roomId: RoomId): void {
    if (this.#welcomed && this.#typingThrottle.admit(roomId)) this.#write({ action: 'typing', roomId });
  }

  /** Follows a room the user just joined from its current `seq` (its past comes from `history`). */
  trackRoom(room: RoomSummary): void {
    this.#sequencer.track(room.id, room.lastSeq);
  }

  forgetRoom(roomId: RoomId): void {
    this.#sequencer.forget(roomId);
  }

  #open(): void {
    const { tokenExpiresAt } = this.#options;
    if (this.#options.now() >= (typeof tokenExpiresAt === 'function' ? tokenExpiresAt() : tokenExpiresAt)) {
      this.#stopped = true;
      this.#setState('offline');
      this.emit('unauthorized');
      return;
    }
    this.#setState(this.#attempt === 0 && this.#state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    const url = typeof this.#options.url === 'function' ? this.#options.url() : this.#options.url;
    const socket = this.#options.createSocket(url);
    this.#socket = socket;
    const openTimer = setTimeout(() => {
      if (socket === this.#socket) this.#abandon(socket);
    }, this.#options.openTimeoutMs);
    socket.onopen = () => {
      clearTimeout(openTimer);
      if (socket === this.#socket) this.#socketOnOpen();
    };
    socket.onmessage = (event) => {
      if (socket === this.#socket && typeof event.data === 'string') this.#socketOnMessage(event.data);
    };
    socket.onclose = () => {
      clearTimeout(openTimer);
      if (socket === this.#socket) this.#socketOnClose();
    };
    // Every failure also fires `close`, which handles it.
    socket.onerror = () => {};
  }

  #socketOnOpen(): void {
    this.#requests.send({ action: 'hello' }).then(
      (frame) => this.#onWelcome(frame as WelcomeMessage),
      // No welcome in time: start over rather than sit on a half-open socket (not before a rate limit allows).
      (error: ChatRequestError) => {
        this.#reconnectNotBefore = this.#options.now() + (error.retryAfterMs ?? 0);
        this.#socket?.close(4000, 'no welcome');
      },
    );
  }

  #socketOnMessage(data: string): void {
    let frame: ServerMessage;
    try {
      frame = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') return;
    if (
      !this.#welcomed &&
      frame.type !== 'welcome' &&
      (roomEventTypes.has(frame.type) || frame.type === 'ack' || frame.type === 'replyAck')
    ) {
      this.#early.push(frame);
      return;
    }
    this.#dispatch(frame);
  }

  /**
   * Gives up on the socket at once, whether or not it ever reports its close: on a
   * connection gone silent (a network change that dropped it without a word) the
   * browser's close can take as long as TCP does to give up, minutes.
   */
  #abandon(socket: WebSocketLike, code?: number, reason?: string): void {
    socket.onclose = null;
    socket.close(code, reason);
    this.#socketOnClose();
  }

  #socketOnClose(): void {
    this.#socket = null;
    this.#dropSocket();
    if (this.#stopped) {
      this.#setState('offline');
      return;
    }
    const delay = Math.max(
      backoffDelay(this.#attempt, this.#options.random, this.#options.backoff),
      this.#reconnectNotBefore - this.#options.now(),
    );
    this.#attempt += 1;
    this.#retryAt = this.#options.now() + delay;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#open();
    }, delay);
    this.#setState('reconnecting');
  }

  /** Forgets everything bound to the socket that just went away. */
  #dropSocket(): void {
    this.#welcomed = false;
    this.#early = [];
    this.#sequencer.abortCatchUps();
    if (this.#catchUpTimer !== null) clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = null;
    if (this.#reorderTimer !== null) clearTimeout(this.#reorderTimer);
    this.#reorderTimer = null;
    this.#held = [];
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    if (this.#resyncTimer !== null) clearTimeout(this.#resyncTimer);
    this.#resyncTimer = null;
    this.#beating = false;
    this.#requests.disconnected();
  }

  #onWelcome(welcome: WelcomeMessage): void {
    this.#attempt = 0;
    this.#retryAt = null;
    this.#welcomed = true;
    this.#welcomes += 1;
    this.#typingThrottle.relayEvery(welcome.limits.typingIntervalMs);
    this.#sequencer.beginListing();
    const reconciliation = this.#sequencer.reconcile(welcome.rooms);
    this.emit('welcome', welcome);
    const trail = new CursorTrail();
    this.#onRoomsPage(reconciliation, trail.next(welcome.roomsCursor, welcome.rooms.length), trail);
    this.#since = welcome.pingSince;
    this.#pingTimer = setInterval(
      () => this.#heartbeat(),
      this.#options.pingIntervalMs ?? welcome.limits.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS,
    );
    this.#setState('online');
    const early = this.#early;
    this.#early = [];
    for (const frame of early) this.#dispatch(frame);
    this.#outbox.resendAll();
  }

  /**
   * Applies a page of the user's rooms; asks for the next one (`cursor`, as the
   * trail allows), or ends the listing: a complete one tells which rooms were left.
   */
  #onRoomsPage(reconciliation: RoomsReconciliation, cursor: string | null, trail: CursorTrail): void {
    for (const roomId of reconciliation.reset) this.emit('roomReset', roomId);
    this.#step(reconciliation);
    if (cursor !== null) this.#readRooms(cursor, trail);
    else if (trail.cut) this.#sequencer.abandonListing();
    else for (const roomId of this.#sequencer.endListing()) this.emit('roomGone', roomId);
  }

  /**
   * Reads the page of the user's rooms at `cursor`, or from the start without
   * one (docs/protocol.md, "Pages and cursors"); a failed page is asked again
   * with backoff, from the same cursor.
   */
  #readRooms(cursor: string | undefined, trail: CursorTrail): void {
    this.requestPage({ action: 'listRooms', ...(cursor !== undefined && { cursor }) }).then(
      (frame) => {
        const page = frame as RoomsMessage;
        const reconciliation = this.#sequencer.reconcile(page.joined);
        this.emit('rooms', page.joined);
        // The directory follows the user's rooms (a listing from the start): once it shows, they are all read.
        const next = page.directory.length > 0 ? undefined : page.nextCursor;
        this.#onRoomsPage(reconciliation, trail.next(next, page.joined.length), trail);
      },
      (error: ChatRequestError) => {
        // Failed for good: the rooms not reached stay, and the next welcome lists them again.
        // (A closed socket: that welcome has begun a new listing already, or will.)
        if (error.code !== 'DISCONNECTED') this.#sequencer.abandonListing();
      },
    );
  }

  /**
   * One heartbeat (docs/protocol.md, "ping"): the heads of the rooms that moved
   * since the last one. Another waits until this one is answered; one refused
   * (an `error`) is simply followed by the next. One with no answer at all in
   * `requestTimeoutMs` means the connection has gone silent: it is given up and
   * a new one opened, as after a close.
   */
  #heartbeat(): void {
    if (this.#beating || !this.#welcomed) return;
    this.#beating = true;
    const socket = this.#socket;
    this.#requests.send({ action: 'ping', ...(this.#since !== undefined && { since: this.#since }) }).then(
      (frame) => {
        this.#beating = false;
        this.#onPong(frame as PongMessage);
      },
      (error: ChatRequestError) => {
        this.#beating = false;
        if (error.code === 'TIMEOUT' && socket !== null && socket === this.#socket) {
          this.#abandon(socket, 4000, 'no answer to ping');
        }
      },
    );
  }

  #onPong(pong: PongMessage): void {
    // An older server answers without heads: nothing to compare.
    if (pong.since === undefined) return;
    this.#since = pong.since;
    const step = this.#sequencer.heads(pong.heads);
    this.#step(step);
    // A room joined elsewhere whose roomJoined was lost: list the rooms again (not while a listing runs).
    if (step.unknown.length > 0 && !this.#sequencer.listing) {
      this.#sequencer.beginListing();
      this.#readRooms(undefined, new CursorTrail());
    }
    if (pong.hasMore) this.#heartbeat();
  }

  #dispatch(frame: ServerMessage): void {
    if (frame.type === 'resync') {
      // The server knows it missed broadcasts to us: ask for the heads now, spread
      // over a moment so a node's connections do not all ask at once.
      if (this.#resyncTimer === null) {
        this.#resyncTimer = setTimeout(() => {
          this.#resyncTimer = null;
          this.#heartbeat();
        }, this.#options.random() * RESYNC_SPREAD_MS);
      }
      return;
    }
    if (frame.type === 'ack') {
      this.#onAck(frame);
    } else if (frame.type === 'replyAck') {
      this.#onReplyAck(frame);
    } else if (frame.type === 'catchUp') {
      this.#onCatchUp(frame);
    } else if (frame.type === 'error') {
      this.#onError(frame);
      return;
    } else if (roomEventTypes.has(frame.type)) {
      this.#step(this.#sequencer.offer(frame as RoomEvent));
    } else if (frame.type !== 'welcome') {
      this.emit('frame', frame);
    }
    this.#requests.resolve(frame);
  }

  #onAck(ack: AckMessage): void {
    // The sending connection gets the ack instead of the `message` event: apply it as that event.
    const { message } = ack;
    this.#step(
      this.#sequencer.offer({
        type: 'message',
        roomId: message.roomId,
        seq: message.seq,
        at: message.createdAt,
        message,
      }),
    );
    this.#outbox.remove(ack.clientMessageId);
  }

  /**
   * The replying connection gets the `replyAck` instead of the reply's `message`
   * event and the root's `threadUpdated` event, which always follows it at once
   * (docs/protocol.md, "threadUpdated"): apply it as those two. A duplicate
   * wrote nothing, so only its message is known to be an event.
   */
  #onReplyAck(ack: ReplyAckMessage): void {
    const { message, root } = ack;
    const { roomId, seq, createdAt: at } = message;
    this.#step(this.#sequencer.offer({ type: 'message', roomId, seq, at, message }));
    if (!ack.duplicate)
      this.#step(this.#sequencer.offer({ type: 'threadUpdated', roomId, seq: seq + 1, at, message: root }));
  }

  #onCatchUp(answer: CatchUpMessage): void {
    for (const roomId of answer.notMember) {
      this.#sequencer.forget(roomId);
      this.emit('roomGone', roomId);
    }
    const step = this.#sequencer.catchUp(answer.rooms);
    this.#step(step);
    // More promised and nothing given: asking again at once would loop; it is a failed catch-up.
    if (step.stalled.length > 0) this.#onCatchUpFailed(step.stalled, null);
  }

  #onError(error: ErrorMessage): void {
    const failure = new ChatRequestError(error.code, error.message, error.action, error.retryAfterMs);
    if (error.code === 'UNAUTHENTICATED') {
      this.close();
      this.emit('unauthorized');
      return;
    }
    if (error.code === 'RATE_LIMITED' && error.action === 'typing') {
      // docs/protocol.md "typing": the only answer a typing frame can get. Nothing to show: pause them.
      this.#typingThrottle.pause(error.retryAfterMs);
      return;
    }
    if (this.#outbox.refused(error.requestId, failure)) return;
    if (!this.#requests.reject(error.requestId, failure)) this.emit('frame', error);
  }

  #step(step: SequencerStep): void {
    for (const event of step.apply) this.emit('roomEvent', event);
    for (let i = 0; i < step.catchUp.length; i += 200) {
      // docs/protocol.md "catchUp": at most 200 rooms per request.
      this.#catchUp(step.catchUp.slice(i, i + 200));
    }
    if (step.held) this.#hold(step.held);
  }

  /** Ends the wait of these rooms' gaps after the reorder window (one timer; rooms held meanwhile join it). */
  #hold(roomIds: readonly RoomId[]): void {
    this.#held.push(...roomIds);
    if (this.#reorderTimer !== null) return;
    const windowMs = this.#options.reorderWindowMs;
    this.#reorderTimer = setTimeout(
      () => {
        this.#reorderTimer = null;
        const held = this.#held;
        this.#held = [];
        this.#step(this.#sequencer.expireHeld(held));
      },
      windowMs + this.#options.random() * windowMs,
    );
  }

  /** Asks for the rooms' missed events; the answer is applied in order with the other frames (#dispatch). */
  #catchUp(rooms: Array<{ roomId: RoomId; lastSeq: number }>): void {
    this.#requests.send({ action: 'catchUp', rooms }).then(
      (frame) => {
        // An answer that leaves rooms out (a page bounded in size) has not caught them up: ask again.
        const answered = new Set([
          ...(frame as CatchUpMessage).rooms.map((room) => room.roomId),
          ...(frame as CatchUpMessage).notMember,
        ]);
        const missing = rooms.filter((room) => !answered.has(room.roomId)).map((room) => room.roomId);
        if (missing.length > 0) this.#onCatchUpFailed(missing, null);
      },
      (error: ChatRequestError) => {
        // A closed socket is caught up again after the next welcome.
        if (error.code !== 'DISCONNECTED') {
          this.#onCatchUpFailed(
            rooms.map((room) => room.roomId),
            error,
          );
        }
      },
    );
  }

  #onCatchUpFailed(roomIds: RoomId[], error: ChatRequestError | null): void {
    const failures = this.#sequencer.failed(roomIds);
    for (const roomId of this.#sequencer.failing(this.#options.catchUpAttempts)) {
      this.emit('roomReset', roomId);
      this.#step(this.#sequencer.skipGap(roomId));
    }
    if (this.#catchUpTimer !== null) return;
    const delay = Math.max(
      backoffDelay(failures - 1, this.#options.random, this.#options.backoff),
      error?.retryAfterMs ?? 0,
    );
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = null;
      this.#step({ apply: [], catchUp: this.#sequencer.pendingCatchUps() });
    }, delay);
  }

  #write(frame: ClientRequest): boolean {
    const socket = this.#socket;
    if (socket === null) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  #setState(state: ConnectionState): void {
    if (state !== 'reconnecting') this.#retryAt = null;
    if (state === this.#state && state !== 'reconnecting') return;
    this.#state = state;
    this.emit('state', state, this.#retryAt);
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }
}
