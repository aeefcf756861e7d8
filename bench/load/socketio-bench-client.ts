/**
 * A Socket.IO client for scenario 9, with the library's own recovery and no
 * more: reconnection with its default backoff (1 s doubling to 5 s, half of it
 * random), and sends with an acknowledgement and retries (`retries`,
 * `ackTimeout`: Socket.IO's at-least-once delivery from client to server), so
 * a send lost with a cut connection goes out again. Counts every `message` in a
 * `DeliveryTally` and times each reconnect.
 */
import { io, type Socket } from 'socket.io-client';
import { DeliveryTally } from './delivery-tally.ts';

/** An unacknowledged send goes out again after this long. */
const ACK_TIMEOUT_MS = 5_000;

export class SocketIoBenchClient {
  readonly tally: DeliveryTally;
  readonly #socket: Socket;
  #lostAt: number | undefined;
  readonly recoveries: number[] = [];
  onlineAt = 0;
  /** Connections opened, the first included. */
  attempts = 1;
  unacknowledged = 0;

  /** @param url the server's address (`http://127.0.0.1:port`) */
  constructor(url: string, capacity: number) {
    this.tally = new DeliveryTally(capacity);
    this.#socket = io(url, {
      transports: ['websocket'],
      // One manager (and connection) per client, not one shared by every client of the process.
      forceNew: true,
      autoConnect: false,
      retries: Number.MAX_SAFE_INTEGER,
      ackTimeout: ACK_TIMEOUT_MS,
    });
    this.#socket.on('connect', () => {
      this.onlineAt = Date.now();
      if (this.#lostAt !== undefined) this.recoveries.push(this.onlineAt - this.#lostAt);
      this.#lostAt = undefined;
    });
    this.#socket.on('disconnect', () => {
      this.#lostAt = Date.now();
    });
    this.#socket.io.on('reconnect_attempt', () => {
      this.attempts++;
    });
    this.#socket.on('message', (index: number) => this.tally.record(index));
  }

  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Socket.IO did not connect in time')), timeoutMs);
      this.#socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#socket.connect();
    });
  }

  get online(): boolean {
    return this.#socket.connected;
  }

  send(index: number): void {
    this.unacknowledged++;
    this.#socket.emit('send', index, () => {
      this.unacknowledged--;
    });
  }

  close(): void {
    this.#socket.close();
  }
}
