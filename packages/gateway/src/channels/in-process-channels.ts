/**
 * Channels for the connections of this gateway process: the registry plus the
 * outbound fan-out. A publish frames the message once and queues the same buffer
 * for every member; no JSON or string work happens per recipient.
 */
import type { Connection } from '../connection.ts';
import { ManagementApiError, ManagementErrorType } from '../management/errors.ts';
import { openConnection } from '../management/operations.ts';
import { messageFrame, type Outbound } from '../server/outbound.ts';
import { assertChannelName } from './channel-name.ts';
import type { ChannelRegistry } from './channel-registry.ts';
import type { ChannelsClient, PublishOptions } from './channels-client.ts';

export interface InProcessChannelsOptions {
  /**
   * Connections still in their handshake, with the channels subscribed meanwhile.
   * A connection may be subscribed from its own `$connect` (where `@connections`
   * answers 410): the subscriptions take effect once it opens and are dropped if
   * the handshake is refused. What is published before that is not delivered.
   */
  connecting: ReadonlyMap<string, Set<string>>;
  /** Largest message a publish may carry (the `@connections` limit, spec 3.1: 131072). */
  maxPayloadBytes: number;
  /** Called after each publish with its number of recipients, for metrics. */
  onPublished?: (recipients: number) => void;
}

export class InProcessChannels implements ChannelsClient {
  readonly #connections: ReadonlyMap<string, Connection>;
  readonly #registry: ChannelRegistry;
  readonly #outbound: Outbound;
  readonly #options: InProcessChannelsOptions;

  constructor(
    connections: ReadonlyMap<string, Connection>,
    registry: ChannelRegistry,
    outbound: Outbound,
    options: InProcessChannelsOptions,
  ) {
    this.#connections = connections;
    this.#registry = registry;
    this.#outbound = outbound;
    this.#options = options;
  }

  async subscribe(connectionId: string, channel: string): Promise<void> {
    assertChannelName(channel);
    const pending = this.#options.connecting.get(connectionId);
    if (pending) pending.add(channel);
    else this.#registry.add(openConnection(this.#connections, connectionId), channel);
  }

  async unsubscribe(connectionId: string, channel: string): Promise<void> {
    assertChannelName(channel);
    const pending = this.#options.connecting.get(connectionId);
    if (pending) pending.delete(channel);
    else this.#registry.remove(openConnection(this.#connections, connectionId), channel);
  }

  async publish(channel: string, data: string | Buffer, options?: PublishOptions): Promise<number> {
    assertChannelName(channel);
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (size > this.#options.maxPayloadBytes) throw new ManagementApiError(ManagementErrorType.payloadTooLarge);
    const members = this.#registry.members(channel);
    if (members === undefined) return 0;
    const except = options?.exceptConnectionId;
    const recipients = this.#outbound.fanOut(
      members,
      messageFrame(data),
      except === undefined ? undefined : this.#connections.get(except),
      Date.now(),
    );
    this.#options.onPublished?.(recipients);
    return recipients;
  }

  async members(channel: string): Promise<string[]> {
    assertChannelName(channel);
    const members = this.#registry.members(channel);
    if (members === undefined) return [];
    const ids: string[] = [];
    for (const connection of members) ids.push(connection.id);
    return ids;
  }

  async count(channel: string): Promise<number> {
    assertChannelName(channel);
    return this.#registry.members(channel)?.size ?? 0;
  }
}
