/**
 * A channel `Broadcaster` (ports/broadcaster.ts) for the self-hosted gateway:
 * each room is a gateway channel, so a room message is encoded once and the
 * gateway frames it once for all of the room's connections, instead of one
 * `@connections` post per recipient.
 *
 *   publishToRoom ─▶ JSON once ─▶ gateway.channels.publish('room:<id>') ─▶ one frame, N sockets
 *
 * Subscriptions made while a connection is in its `$connect` take effect when it
 * opens (the gateway holds them); a closed connection leaves its channels by
 * itself, so a 410 on subscribe only means the client already went away.
 */
import type { ServerMessage } from '../api/protocol.ts';
import type { ConnectionId, RoomId } from '../domain/types.ts';
import type { Broadcaster, PublishOptions } from '../ports/broadcaster.ts';
import { type ConnectionPoster, isGone } from './connection-poster.ts';

/** The part of the gateway's `ChannelsClient` this adapter uses. */
export interface RoomChannels {
  subscribe(connectionId: string, channel: string): Promise<void>;
  unsubscribe(connectionId: string, channel: string): Promise<void>;
  publish(channel: string, data: string, options?: { exceptConnectionId?: string }): Promise<number>;
}

export interface ChannelBroadcasterOptions {
  channels: RoomChannels;
  /** For messages to one connection. */
  poster: ConnectionPoster;
}

/** The channel of a room. Room ids are UUIDs or `dm:<id>:<id>`, valid channel names as they are. */
export function roomChannel(roomId: RoomId): string {
  return `room:${roomId}`;
}

export class ChannelBroadcaster implements Broadcaster {
  readonly #channels: RoomChannels;
  readonly #poster: ConnectionPoster;

  constructor({ channels, poster }: ChannelBroadcasterOptions) {
    this.#channels = channels;
    this.#poster = poster;
  }

  async sendToConnection(connectionId: ConnectionId, message: ServerMessage): Promise<void> {
    await this.#skipGone(() => this.#poster.post(connectionId, JSON.stringify(message)));
  }

  async publishToRoom(roomId: RoomId, message: ServerMessage, options?: PublishOptions): Promise<void> {
    await this.#channels.publish(roomChannel(roomId), JSON.stringify(message), {
      ...(options?.exceptConnectionId ? { exceptConnectionId: options.exceptConnectionId } : {}),
    });
  }

  async subscribe(connectionId: ConnectionId, roomIds: readonly RoomId[]): Promise<void> {
    for (const roomId of roomIds) {
      await this.#skipGone(() => this.#channels.subscribe(connectionId, roomChannel(roomId)));
    }
  }

  async unsubscribe(connectionId: ConnectionId, roomIds: readonly RoomId[]): Promise<void> {
    for (const roomId of roomIds) {
      await this.#skipGone(() => this.#channels.unsubscribe(connectionId, roomChannel(roomId)));
    }
  }

  async disconnect(connectionId: ConnectionId): Promise<void> {
    await this.#skipGone(() => this.#poster.close(connectionId));
  }

  /** Delivery is best effort (the port's contract): a client that went away is skipped. */
  async #skipGone(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
