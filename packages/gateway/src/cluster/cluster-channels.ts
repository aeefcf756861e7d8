/**
 * Channels across a cluster, behind the same `ChannelsClient` port as on one node.
 *
 *   publish ─▶ local fan-out (frame once) ─▶ one PUBLISH on the channel's topic
 *               └▶ each node with members (only those subscribe) fans out to its own
 *   subscribe/unsubscribe ─▶ here for this node's connections, else forwarded to the holder
 *   members/count ─▶ this node's registry + the other live nodes' members sets
 *
 * A node's memberships reach Redis through its registry (see ClusterNode), so a
 * subscribe resolves once they have: a publish from any node then reaches the
 * connection, and `members` on any node lists it.
 */
import { assertChannelName } from '../channels/channel-name.ts';
import type { ChannelsClient, PublishOptions } from '../channels/channels-client.ts';
import type { ClusterNode } from './cluster-node.ts';

export class ClusterChannels implements ChannelsClient {
  readonly #local: ChannelsClient;
  readonly #isLocal: (connectionId: string) => boolean;
  readonly #node: ClusterNode;

  /**
   * @param local this node's in-process channels
   * @param isLocal whether a connection is this node's (open, or in its `$connect` here)
   */
  constructor(local: ChannelsClient, isLocal: (connectionId: string) => boolean, node: ClusterNode) {
    this.#local = local;
    this.#isLocal = isLocal;
    this.#node = node;
  }

  async subscribe(connectionId: string, channel: string): Promise<void> {
    assertChannelName(channel);
    if (!this.#isLocal(connectionId)) {
      await this.#node.forward({ op: 'subscribe', connectionId, channel });
      return;
    }
    await this.#local.subscribe(connectionId, channel);
    await this.#node.flushed();
  }

  async unsubscribe(connectionId: string, channel: string): Promise<void> {
    assertChannelName(channel);
    if (!this.#isLocal(connectionId)) {
      await this.#node.forward({ op: 'unsubscribe', connectionId, channel });
      return;
    }
    await this.#local.unsubscribe(connectionId, channel);
    await this.#node.flushed();
  }

  async publish(channel: string, data: string | Buffer, options?: PublishOptions): Promise<number> {
    // Checks the name and size, and delivers to this node's members first.
    const local = await this.#local.publish(channel, data, options);
    return local + (await this.#node.publish(channel, data, options?.exceptConnectionId));
  }

  async members(channel: string): Promise<string[]> {
    const local = await this.#local.members(channel);
    return local.concat(await this.#node.remoteMembers(channel));
  }

  async count(channel: string): Promise<number> {
    const local = await this.#local.count(channel);
    return local + (await this.#node.remoteCount(channel));
  }
}
