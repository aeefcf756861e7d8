/**
 * A chat client for the scenarios that cut connections (9 and 10): the web
 * client's own connection code (`ChatConnection`: reconnect with backoff,
 * `hello`, catch-up from the last applied `seq`, unacknowledged sends repeated
 * with their `clientMessageId`) over a `ws` socket, counting every message of
 * one room in a `DeliveryTally` and timing each reconnect.
 */
import WebSocket from 'ws';
import { ChatConnection, type WebSocketLike } from '../../packages/web/src/connection/chat-connection.ts';
import { DeliveryTally, messageIndex, messageText } from './delivery-tally.ts';

/**
 * A WebSocket handshake that has not finished after this long is abandoned (and
 * the client retries with its backoff). `ChatConnection` has no timeout of its
 * own before the socket opens, and `ws` waits forever by default: a connection
 * whose final handshake packet the server's full accept queue dropped would
 * hang for minutes (a browser gives up on its own, after its own timeout).
 */
const HANDSHAKE_TIMEOUT_MS = 10_000;
const MESSAGE_PREFIX = '{"type":"message"';

export interface ChatBenchClientOptions {
  /** The WebSocket URL with the token. */
  url: string;
  /** The room whose messages are counted (and where `send` posts). */
  roomName: string;
  /** Highest message index plus one. */
  capacity: number;
  /** The source address of every connection (spreads ports over 127.0.0.x). @default the system's choice */
  localAddress?: string;
  /** `ChatConnection`'s reorder window. @default its own */
  reorderWindowMs?: number;
  /** Called with each message index as the client applies it (in order, once). */
  onDelivery?: (index: number) => void;
}

export class ChatBenchClient {
  readonly tally: DeliveryTally;
  readonly connection: ChatConnection;
  #roomId: string | undefined;
  #lostAt: number | undefined;
  /** Milliseconds from each lost connection to the next `welcome`. */
  readonly recoveries: number[] = [];
  /** `Date.now()` of the latest `welcome`. */
  onlineAt = 0;
  /** Sockets opened, the first included: attempts beyond one per reconnect were cut or refused before the welcome. */
  attempts = 0;
  /** Attempts abandoned after `HANDSHAKE_TIMEOUT_MS`. */
  handshakeTimeouts = 0;
  /** `presence` frames received (someone came online or went offline in a shared room). */
  presenceFrames = 0;
  /** `catchUp` requests sent. */
  catchUpRequests = 0;
  /** Live room events that arrived with a `seq` beyond the next one expected (a gap, however short). */
  outOfOrder = 0;
  /** The highest live `seq` of a `message` event seen, for `outOfOrder` (the bench's clients are in one room). */
  #liveSeq = 0;

  constructor(options: ChatBenchClientOptions) {
    this.tally = new DeliveryTally(options.capacity);
    const { localAddress, onDelivery } = options;
    this.connection = new ChatConnection({
      url: options.url,
      ...(options.reorderWindowMs !== undefined && { reorderWindowMs: options.reorderWindowMs }),
      createSocket: (url) => {
        this.attempts++;
        const socket = new WebSocket(url, {
          perMessageDeflate: false,
          handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          ...(localAddress && { localAddress }),
        });
        socket.on('error', (error) => {
          if (error.message.includes('handshake has timed out')) this.handshakeTimeouts++;
        });
        socket.on('message', (data: Buffer) => this.#countOrder(data));
        const send = socket.send.bind(socket);
        socket.send = ((data: string) => {
          if (data.includes('"action":"catchUp"')) this.catchUpRequests++;
          send(data);
        }) as typeof socket.send;
        return socket as WebSocketLike;
      },
    });
    this.connection.on('welcome', (welcome) => {
      this.#roomId ??= welcome.rooms.find((room) => room.name === options.roomName)?.id;
      this.onlineAt = Date.now();
      if (this.#lostAt !== undefined) this.recoveries.push(this.onlineAt - this.#lostAt);
      this.#lostAt = undefined;
    });
    this.connection.on('state', (state) => {
      if (state === 'reconnecting' && this.#lostAt === undefined && this.onlineAt > 0) {
        this.#lostAt = Date.now();
      }
    });
    this.connection.on('frame', (frame) => {
      if (frame.type === 'presence') this.presenceFrames++;
    });
    this.connection.on('roomEvent', (event) => {
      if (event.type !== 'message' || event.roomId !== this.#roomId) return;
      const index = messageIndex(event.message.text);
      this.tally.record(index);
      onDelivery?.(index);
    });
  }

  /** Counts a live `message` event whose `seq` skips one (read in place: the connection parses the frame itself). */
  #countOrder(data: Buffer): void {
    if (data.length < 32 || data.toString('latin1', 0, MESSAGE_PREFIX.length) !== MESSAGE_PREFIX) return;
    // A message event's first `seq` is the event's or its message's, which are the same.
    let at = data.indexOf('"seq":') + 6;
    if (at < 6) return;
    let seq = 0;
    for (let digit = data[at]! - 48; digit >= 0 && digit <= 9; digit = data[++at]! - 48) seq = seq * 10 + digit;
    if (this.#liveSeq > 0 && seq > this.#liveSeq + 1) this.outOfOrder++;
    this.#liveSeq = Math.max(this.#liveSeq, seq);
  }

  /** Connects and resolves at the first `welcome` (rejects after `timeoutMs`). */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome from the chat in time')), timeoutMs);
      const off = this.connection.on('welcome', () => {
        off();
        clearTimeout(timer);
        if (this.#roomId === undefined) reject(new Error('the bench room is not among the first rooms of the welcome'));
        else resolve();
      });
      this.connection.connect();
    });
  }

  /** Queues message `index`; the connection sends it until the chat acknowledges it. */
  send(index: number): void {
    if (this.#roomId === undefined) throw new Error('send before the first welcome');
    this.connection.send(this.#roomId, messageText(index));
  }

  get online(): boolean {
    return this.connection.state === 'online';
  }

  /** Sends not acknowledged yet. */
  get unacknowledged(): number {
    return this.connection.pending.length;
  }

  close(): void {
    this.connection.close();
  }
}
