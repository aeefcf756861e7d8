/**
 * The broadcaster port: how server messages reach WebSocket connections.
 *
 * Two kinds of adapter fit this contract:
 * - a channel adapter (self-hosted gateway): `subscribe`/`unsubscribe` maintain
 *   a channel per room, and `publishToRoom` fans one encoded frame out to the
 *   channel's subscribers on every node;
 * - a lookup adapter (AWS): `subscribe`/`unsubscribe` do nothing, and
 *   `publishToRoom` reads the room's member connections from the store
 *   (`ChatStore.listRoomConnections`) and posts to each through `@connections`,
 *   removing connections that answer 410 Gone.
 *
 * Contract:
 * - The service calls `subscribe` for every room of a user when one of the
 *   user's connections opens, and for every connection of a user when the user
 *   joins a room or a direct conversation is opened; `unsubscribe` when the user
 *   leaves. A closed connection's subscriptions end with it (the adapter learns of
 *   closes from its gateway); the service does not unsubscribe on disconnect.
 * - `publishToRoom` must reach only connections of the room's current members:
 *   direct conversations rely on it.
 * - Delivery is best effort: a connection that is gone is skipped, not an error.
 *   Rejections mean the adapter itself failed; the service logs them and never
 *   turns them into a failed (or unacknowledged) write, because clients recover
 *   missed events by catch-up (docs/protocol.md, "Reconnect and catch-up").
 */
import type { ServerMessage } from '../api/protocol.ts';
import type { ConnectionId, RoomId } from '../domain/types.ts';

export interface PublishOptions {
  /** Skip this connection (the sender, which gets its answer as the route response). */
  exceptConnectionId?: ConnectionId;
}

export interface Broadcaster {
  sendToConnection(connectionId: ConnectionId, message: ServerMessage): Promise<void>;
  publishToRoom(roomId: RoomId, message: ServerMessage, options?: PublishOptions): Promise<void>;
  subscribe(connectionId: ConnectionId, roomIds: readonly RoomId[]): Promise<void>;
  unsubscribe(connectionId: ConnectionId, roomIds: readonly RoomId[]): Promise<void>;
  /** Closes the connection (a deactivated account's); one that is gone already is skipped. */
  disconnect(connectionId: ConnectionId): Promise<void>;
}
