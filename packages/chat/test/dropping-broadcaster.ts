/**
 * A lost publish, for tests: wraps a node's broadcaster (`startChatServer`'s
 * `broadcaster` option) so that the room publishes `drop` picks never leave,
 * as a PUBLISH lost between a node and its peers would be. The sender is still
 * acknowledged; everything else passes through.
 *
 * @example
 * startChatServer({ ...options, broadcaster: droppingPublishes((message) => message.type === 'message') });
 */
import type { ServerMessage } from '../src/api/protocol.ts';
import type { Broadcaster } from '../src/ports/broadcaster.ts';

export function droppingPublishes(drop: (message: ServerMessage) => boolean): (channels: Broadcaster) => Broadcaster {
  return (channels) => ({
    sendToConnection: (connectionId, message) => channels.sendToConnection(connectionId, message),
    publishToRoom: async (roomId, message, options) => {
      if (!drop(message)) await channels.publishToRoom(roomId, message, options);
    },
    subscribe: (connectionId, roomIds) => channels.subscribe(connectionId, roomIds),
    unsubscribe: (connectionId, roomIds) => channels.unsubscribe(connectionId, roomIds),
    disconnect: (connectionId) => channels.disconnect(connectionId),
  });
}
