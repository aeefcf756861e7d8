/**
 * A lookup `Broadcaster` (ports/broadcaster.ts), the way a chat on API Gateway
 * fans out: a room's recipients are read from the store
 * (`listRoomConnections`, so only current members' connections) and each gets a
 * PostToConnection, `concurrency` at a time, with the message encoded once.
 * `subscribe`/`unsubscribe` have nothing to do: membership in the store is the
 * subscription.
 *
 * A connection that answers 410 Gone is forgotten (`onGone`), unless it is younger
 * than `connectGraceMs`: API Gateway also answers 410 to a connection whose
 * `$connect` is still running (spec 3.3), and that one is about to open.
 *
 *   publishToRoom ─▶ listRoomConnections ─▶ post ×N (≤ concurrency in flight)
 *                                             └─ 410 and older than the grace ─▶ onGone
 */
import type { ServerMessage } from '../api/protocol.ts';
import type { ChatLogger } from '../domain/chat-service.ts';
import type { Connection, ConnectionId, RoomId } from '../domain/types.ts';
import type { Broadcaster, PublishOptions } from '../ports/broadcaster.ts';
import type { ChatStore } from '../ports/chat-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { type ConnectionPoster, isGone } from './connection-poster.ts';

export interface PostingBroadcasterOptions {
  store: Pick<ChatStore, 'listRoomConnections' | 'getConnection' | 'removeConnection'>;
  poster: ConnectionPoster;
  /** Posts in flight at once per publish. @default 16 */
  concurrency?: number;
  /**
   * A 410 from a connection recorded less than this long ago is ignored: its
   * handshake may still be in progress. API Gateway's integration timeout (29 s)
   * bounds a `$connect`. @default 30000
   */
  connectGraceMs?: number;
  /**
   * Forgets a gone connection. The server passes `ChatService.disconnect`, which
   * also announces the user offline when it was their last connection.
   * @default removes the connection from the store
   */
  onGone?: (connectionId: ConnectionId) => Promise<void>;
  /** @default systemClock */
  clock?: Clock;
  /** Posts that fail for another reason (a full client buffer, throttling) are logged and skipped. @default console.warn */
  logger?: ChatLogger;
}

const consoleLogger: ChatLogger = { warn: (details, message) => console.warn(message, details) };

export class PostingBroadcaster implements Broadcaster {
  readonly #store: PostingBroadcasterOptions['store'];
  readonly #poster: ConnectionPoster;
  readonly #concurrency: number;
  readonly #connectGraceMs: number;
  readonly #onGone: (connectionId: ConnectionId) => Promise<void>;
  readonly #clock: Clock;
  readonly #logger: ChatLogger;

  constructor(options: PostingBroadcasterOptions) {
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.#store = options.store;
    this.#poster = options.poster;
    this.#concurrency = concurrency;
    this.#connectGraceMs = options.connectGraceMs ?? 30_000;
    this.#onGone = options.onGone ?? (async (connectionId) => void (await this.#store.removeConnection(connectionId)));
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? consoleLogger;
  }

  async sendToConnection(connectionId: ConnectionId, message: ServerMessage): Promise<void> {
    try {
      await this.#poster.post(connectionId, JSON.stringify(message));
    } catch (error) {
      await this.#failed(error, connectionId, () => this.#store.getConnection(connectionId));
    }
  }

  async publishToRoom(roomId: RoomId, message: ServerMessage, options: PublishOptions = {}): Promise<void> {
    const recipients = (await this.#store.listRoomConnections(roomId)).filter(
      ({ connectionId }) => connectionId !== options.exceptConnectionId,
    );
    if (recipients.length === 0) return;
    const data = JSON.stringify(message);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < recipients.length) {
        const connection = recipients[next++]!;
        try {
          await this.#poster.post(connection.connectionId, data);
        } catch (error) {
          await this.#failed(error, connection.connectionId, async () => connection);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, recipients.length) }, worker));
  }

  async disconnect(connectionId: ConnectionId): Promise<void> {
    try {
      await this.#poster.close(connectionId);
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async #failed(
    error: unknown,
    connectionId: ConnectionId,
    record: () => Promise<Connection | undefined>,
  ): Promise<void> {
    if (!isGone(error)) {
      this.#logger.warn({ err: error, connectionId }, 'chat: post to connection failed');
      return;
    }
    try {
      const connection = await record();
      if (!connection || this.#clock.now() - connection.connectedAt < this.#connectGraceMs) return;
      await this.#onGone(connectionId);
    } catch (failure) {
      // The other recipients still get their posts; the stale record goes at the next 410.
      this.#logger.warn({ err: failure, connectionId }, 'chat: forgetting a gone connection failed');
    }
  }
}
