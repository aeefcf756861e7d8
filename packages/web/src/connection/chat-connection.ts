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
 * After every `welcome`: rooms that moved on are caught up from the last applied
 * `seq`, live events that overlap the catch-up are dropped by `seq`, and every
 * send without an `ack` goes out again with its original `clientMessageId`.
 */
import type {
  AckMessage,
  CatchUpMessage,
  ClientRequest,
  ErrorMessage,
  RoomEvent,
  RoomId,
  RoomSummary,
  ServerMessage,
  WelcomeMessage,
} from '@switchboard/chat/api';
import { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff.ts';
import { ChatRequestError } from './chat-request-error.ts';
import { Emitter } from './emitter.ts';
import { RoomSequencer, type SequencerStep } from './room-sequencer.ts';

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

/** A message typed by the user and not yet acknowledged as stored. */
export interface PendingSend {
  clientMessageId: string;
  roomId: RoomId;
  text: string;
  createdAt: number;
  /** `failed`: refused for good (e.g. too long); the user may retry or discard it. */
  status: 'sending' | 'failed';
  error: ChatRequestError | null;
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
  /** A `ping` keeps an idle connection from the gateway's idle timeout. @default 60000 */
  pingIntervalMs?: number;
  /** When the token expires: the connection then stops instead of retrying. @default Infinity */
  tokenExpiresAt?: number;
}

export interface ChatConnectionEvents {
  state: (state: ConnectionState, retryAt: number | null) => void;
  /** Sent after each (re)connect; `rooms` carry the server-kept unread counts. */
  welcome: (welcome: WelcomeMessage) => void;
  /** A room event to apply: in `seq` order per room, each exactly once (acks included). */
  roomEvent: (event: RoomEvent) => void;
  /** The server's data for the room was replaced: discard what is cached and reload it. */
  roomReset: (roomId: RoomId) => void;
  /** The room is no longer readable (left from another device). */
  roomGone: (roomId: RoomId) => void;
  /** Any other frame: presence, typing, read, roomJoined, roomLeft, answers, unmatched errors. */
  frame: (frame: ServerMessage) => void;
  /** The list of unacknowledged sends changed. */
  pending: (pending: readonly PendingSend[]) => void;
  /** The token was refused or expired: sign in again. */
  unauthorized: () => void;
}

/** Events of these types go through the sequencer. */
const roomEventTypes = new Set(['message', 'messageEdited', 'messageDeleted', 'memberJoined', 'memberLeft']);

/** Send errors worth retrying with the same `clientMessageId`. */
const retryableCodes = new Set(['STORE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL']);

type Request = ClientRequest extends infer R ? (R extends ClientRequest ? Omit<R, 'requestId'> : never) : never;

interface InFlight {
  resolve: (frame: ServerMessage) => void;
  reject: (error: ChatRequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * @example
 * const connection = new ChatConnection({ url: () => `wss://chat.example/ws?token=${token}` });
 * connection.on('roomEvent', (event) => render(event));
 * connection.connect();
 * connection.send(roomId, 'Ship it?');
 */
export class ChatConnection extends Emitter<ChatConnectionEvents> {
  readonly #options: Required<Omit<ChatConnectionOptions, 'backoff'>> & { backoff: BackoffOptions };
  readonly #sequencer = new RoomSequencer();
  readonly #inFlight = new Map<string, InFlight>();
  readonly #pending = new Map<string, PendingSend>();
  readonly #sendTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #lastTyping = new Map<RoomId, number>();
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
  #nextRequestId = 0;
  #typingIntervalMs = 2000;

  constructor(options: ChatConnectionOptions) {
    super();
    this.#options = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      random: Math.random,
      now: Date.now,
      createId: () => crypto.randomUUID(),
      requestTimeoutMs: 10_000,
      pingIntervalMs: 60_000,
      tokenExpiresAt: Number.POSITIVE_INFINITY,
      ...options,
      backoff: { ...defaultBackoff, ...options.backoff },
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** When the next reconnect attempt starts, while `reconnecting` and waiting. */
  get retryAt(): number | null {
    return this.#retryAt;
  }

  get pending(): readonly PendingSend[] {
    return [...this.#pending.values()];
  }

  connect(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
  }

  /** Stops for good (sign-out): no reconnect. Unacknowledged sends are dropped. */
  close(): void {
    this.#stopped = true;
    this.#clearReconnect();
    const socket = this.#socket;
    this.#socket = null;
    this.#dropSocket();
    socket?.close(1000, 'closed by client');
    for (const timer of this.#sendTimers.values()) clearTimeout(timer);
    this.#sendTimers.clear();
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
  request(request: Request): Promise<ServerMessage> {
    if (!this.#welcomed) {
      return Promise.reject(new ChatRequestError('DISCONNECTED', 'Not connected.', request.action));
    }
    return this.#request(request);
  }

  /** Queues a message; it is sent now if online, else after the next `welcome`, until acknowledged. */
  send(roomId: RoomId, text: string): PendingSend {
    const pending: PendingSend = {
      clientMessageId: this.#options.createId(),
      roomId,
      text,
      createdAt: this.#options.now(),
      status: 'sending',
      error: null,
    };
    this.#pending.set(pending.clientMessageId, pending);
    // Receivers hide the indicator when the message arrives: typing again should show it again.
    this.#lastTyping.delete(roomId);
    this.#emitPending();
    this.#transmit(pending);
    return pending;
  }

  /** Sends a failed message again, with its original `clientMessageId`. */
  retrySend(clientMessageId: string): void {
    const pending = this.#pending.get(clientMessageId);
    if (pending === undefined) return;
    this.#update(pending, { status: 'sending', error: null });
    this.#transmit(this.#pending.get(clientMessageId)!);
  }

  discardSend(clientMessageId: string): void {
    clearTimeout(this.#sendTimers.get(clientMessageId));
    this.#sendTimers.delete(clientMessageId);
    if (this.#pending.delete(clientMessageId)) this.#emitPending();
  }

  /** Tells the room the user is typing, at most once per the server's relay interval (extra calls do nothing). */
  typing(roomId: RoomId): void {
    const now = this.#options.now();
    // docs/protocol.md "typing": frames faster than the relay interval are dropped by the server anyway.
    if (!this.#welcomed || now - (this.#lastTyping.get(roomId) ?? 0) < this.#typingIntervalMs) return;
    this.#lastTyping.set(roomId, now);
    this.#write({ action: 'typing', roomId });
  }

  /** Follows a room the user just joined from its current `seq` (its past comes from `history`). */
  trackRoom(room: RoomSummary): void {
    this.#sequencer.track(room.id, room.lastSeq);
  }

  forgetRoom(roomId: RoomId): void {
    this.#sequencer.forget(roomId);
  }

  #open(): void {
    if (this.#options.now() >= this.#options.tokenExpiresAt) {
      this.#stopped = true;
      this.#setState('offline');
      this.emit('unauthorized');
      return;
    }
    this.#setState(this.#attempt === 0 && this.#state !== 'reconnecting' ? 'connecting' : 'reconnecting');
    const url = typeof this.#options.url === 'function' ? this.#options.url() : this.#options.url;
    const socket = this.#options.createSocket(url);
    this.#socket = socket;
    socket.onopen = () => {
      if (socket === this.#socket) this.#socketOnOpen();
    };
    socket.onmessage = (event) => {
      if (socket === this.#socket && typeof event.data === 'string') this.#socketOnMessage(event.data);
    };
    socket.onclose = () => {
      if (socket === this.#socket) this.#socketOnClose();
    };
    // Every failure also fires `close`, which handles it.
    socket.onerror = () => {};
  }

  #socketOnOpen(): void {
    this.#request({ action: 'hello' }).then(
      (frame) => this.#onWelcome(frame as WelcomeMessage),
      // No welcome in time: start over rather than sit on a half-open socket.
      () => this.#socket?.close(4000, 'no welcome'),
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
    if (!this.#welcomed && frame.type !== 'welcome' && (roomEventTypes.has(frame.type) || frame.type === 'ack')) {
      this.#early.push(frame);
      return;
    }
    this.#dispatch(frame);
  }

  #socketOnClose(): void {
    this.#socket = null;
    this.#dropSocket();
    if (this.#stopped) {
      this.#setState('offline');
      return;
    }
    const delay = backoffDelay(this.#attempt, this.#options.random, this.#options.backoff);
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
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    for (const [requestId, inFlight] of this.#inFlight) {
      clearTimeout(inFlight.timer);
      inFlight.reject(new ChatRequestError('DISCONNECTED', 'The connection closed.'));
      this.#inFlight.delete(requestId);
    }
  }

  #onWelcome(welcome: WelcomeMessage): void {
    this.#attempt = 0;
    this.#retryAt = null;
    this.#welcomed = true;
    this.#typingIntervalMs = Math.max(welcome.limits.typingIntervalMs, 500) + 500;
    const reconciliation = this.#sequencer.reconcile(welcome.rooms);
    this.emit('welcome', welcome);
    for (const roomId of reconciliation.reset) this.emit('roomReset', roomId);
    for (const roomId of reconciliation.gone) this.emit('roomGone', roomId);
    this.#step(reconciliation);
    this.#pingTimer = setInterval(() => this.#write({ action: 'ping' }), this.#options.pingIntervalMs);
    this.#setState('online');
    const early = this.#early;
    this.#early = [];
    for (const frame of early) this.#dispatch(frame);
    for (const pending of this.#pending.values()) {
      if (pending.status === 'sending') this.#transmit(pending);
    }
  }

  #dispatch(frame: ServerMessage): void {
    if (frame.type === 'ack') {
      this.#onAck(frame);
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
    this.#settle(frame);
  }

  #onAck(ack: AckMessage): void {
    clearTimeout(this.#sendTimers.get(ack.clientMessageId));
    this.#sendTimers.delete(ack.clientMessageId);
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
    if (this.#pending.delete(ack.clientMessageId)) this.#emitPending();
  }

  #onCatchUp(answer: CatchUpMessage): void {
    for (const roomId of answer.notMember) {
      this.#sequencer.forget(roomId);
      this.emit('roomGone', roomId);
    }
    for (const room of answer.rooms) this.#step(this.#sequencer.catchUp(room));
  }

  #onError(error: ErrorMessage): void {
    const failure = new ChatRequestError(error.code, error.message, error.action, error.retryAfterMs);
    if (error.code === 'UNAUTHENTICATED') {
      this.close();
      this.emit('unauthorized');
      return;
    }
    const pending = error.requestId?.startsWith('send:') ? this.#pending.get(error.requestId.slice(5)) : undefined;
    if (pending !== undefined) {
      clearTimeout(this.#sendTimers.get(pending.clientMessageId));
      if (retryableCodes.has(error.code)) {
        // Not stored: the same clientMessageId later can never duplicate it.
        this.#scheduleResend(pending, error.retryAfterMs ?? 2000);
      } else {
        this.#update(pending, { status: 'failed', error: failure });
      }
      return;
    }
    const inFlight = error.requestId === undefined ? undefined : this.#inFlight.get(error.requestId);
    if (inFlight === undefined) {
      this.emit('frame', error);
      return;
    }
    clearTimeout(inFlight.timer);
    this.#inFlight.delete(error.requestId!);
    inFlight.reject(failure);
  }

  /** Resolves the request a frame answers, if any. */
  #settle(frame: ServerMessage): void {
    const requestId = 'requestId' in frame ? frame.requestId : undefined;
    const inFlight = requestId === undefined ? undefined : this.#inFlight.get(requestId);
    if (inFlight === undefined) return;
    clearTimeout(inFlight.timer);
    this.#inFlight.delete(requestId!);
    inFlight.resolve(frame);
  }

  #step(step: SequencerStep): void {
    for (const event of step.apply) this.emit('roomEvent', event);
    for (let i = 0; i < step.catchUp.length; i += 200) {
      // docs/protocol.md "catchUp": at most 200 rooms per request.
      this.#write({ action: 'catchUp', rooms: step.catchUp.slice(i, i + 200) });
    }
  }

  #request(request: Request): Promise<ServerMessage> {
    const requestId = `r${++this.#nextRequestId}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#inFlight.delete(requestId);
        reject(new ChatRequestError('TIMEOUT', 'The server did not answer in time.', request.action));
      }, this.#options.requestTimeoutMs);
      this.#inFlight.set(requestId, { resolve, reject, timer });
      if (!this.#write({ ...request, requestId } as ClientRequest)) {
        clearTimeout(timer);
        this.#inFlight.delete(requestId);
        reject(new ChatRequestError('DISCONNECTED', 'Not connected.', request.action));
      }
    });
  }

  #transmit(pending: PendingSend): void {
    if (!this.#welcomed) return;
    const { roomId, text, clientMessageId } = pending;
    this.#write({ action: 'sendMessage', roomId, text, clientMessageId, requestId: `send:${clientMessageId}` });
    // An answer can be lost (a throttled frame gets the gateway's answer, not ours): send again; it is idempotent.
    this.#scheduleResend(pending, this.#options.requestTimeoutMs);
  }

  #scheduleResend(pending: PendingSend, delayMs: number): void {
    clearTimeout(this.#sendTimers.get(pending.clientMessageId));
    this.#sendTimers.set(
      pending.clientMessageId,
      setTimeout(() => {
        this.#sendTimers.delete(pending.clientMessageId);
        const current = this.#pending.get(pending.clientMessageId);
        if (current?.status === 'sending') this.#transmit(current);
      }, delayMs),
    );
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

  #update(pending: PendingSend, change: Partial<PendingSend>): void {
    this.#pending.set(pending.clientMessageId, { ...pending, ...change });
    this.#emitPending();
  }

  #emitPending(): void {
    this.emit('pending', this.pending);
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
