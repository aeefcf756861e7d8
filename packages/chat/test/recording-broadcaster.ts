/**
 * An in-process `Broadcaster` for tests: real channel semantics (a set of
 * subscribed connections per room) that records every message each connection
 * would have received, so tests assert what reached whom.
 */
import type { ServerMessage } from '../src/api/protocol.ts';
import type { Broadcaster, PublishOptions } from '../src/ports/broadcaster.ts';

export class RecordingBroadcaster implements Broadcaster {
  readonly #subscribers = new Map<string, Set<string>>();
  readonly #inboxes = new Map<string, ServerMessage[]>();

  async sendToConnection(connectionId: string, message: ServerMessage): Promise<void> {
    this.#deliver(connectionId, message);
  }

  async publishToRoom(roomId: string, message: ServerMessage, options: PublishOptions = {}): Promise<void> {
    for (const connectionId of this.#subscribers.get(roomId) ?? []) {
      if (connectionId !== options.exceptConnectionId) this.#deliver(connectionId, message);
    }
  }

  async subscribe(connectionId: string, roomIds: readonly string[]): Promise<void> {
    for (const roomId of roomIds) {
      const set = this.#subscribers.get(roomId) ?? new Set<string>();
      this.#subscribers.set(roomId, set);
      set.add(connectionId);
    }
  }

  async unsubscribe(connectionId: string, roomIds: readonly string[]): Promise<void> {
    for (const roomId of roomIds) this.#subscribers.get(roomId)?.delete(connectionId);
  }

  /** Connections the service closed (`disconnect`), in order. */
  readonly disconnected: string[] = [];

  async disconnect(connectionId: string): Promise<void> {
    this.disconnected.push(connectionId);
    this.close(connectionId);
  }

  /** Drops a connection's subscriptions, as a gateway does when a socket closes. */
  close(connectionId: string): void {
    for (const set of this.#subscribers.values()) set.delete(connectionId);
  }

  /** Everything delivered to the connection so far, then forgets it. */
  take(connectionId: string): ServerMessage[] {
    const inbox = this.#inboxes.get(connectionId) ?? [];
    this.#inboxes.delete(connectionId);
    return inbox;
  }

  /** Messages of one type delivered to the connection so far (kept). */
  ofType<T extends ServerMessage['type']>(connectionId: string, type: T): Array<Extract<ServerMessage, { type: T }>> {
    return (this.#inboxes.get(connectionId) ?? []).filter(
      (message): message is Extract<ServerMessage, { type: T }> => message.type === type,
    );
  }

  #deliver(connectionId: string, message: ServerMessage): void {
    const inbox = this.#inboxes.get(connectionId) ?? [];
    this.#inboxes.set(connectionId, inbox);
    // Copy, as a socket would serialise it: later state changes must not leak in.
    inbox.push(structuredClone(message));
  }
}
