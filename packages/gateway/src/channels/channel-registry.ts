/**
 * Who is in which channel, both ways: channel name to its member connections (what
 * a publish walks), and each connection to its channel names (kept on the
 * connection), so a closing connection leaves all its channels in O(its channels).
 * An empty channel is forgotten, so names cost memory only while they have members.
 */
import type { Connection } from '../connection.ts';

/**
 * Told of every membership change, after it is made: cluster mode mirrors this
 * node's memberships into Redis and subscribes to a channel's topic while the
 * channel has members here.
 */
export interface MembershipObserver {
  /** `first`: the channel had no members on this node before. */
  joined(connection: Connection, channel: string, first: boolean): void;
  /** `last`: the channel has no members left on this node. */
  left(connection: Connection, channel: string, last: boolean): void;
}

export class ChannelRegistry {
  readonly #members = new Map<string, Set<Connection>>();
  #subscriptions = 0;
  #observer: MembershipObserver | undefined = undefined;

  /** Channels with at least one member. */
  get channelCount(): number {
    return this.#members.size;
  }

  /** Memberships over all channels. */
  get subscriptionCount(): number {
    return this.#subscriptions;
  }

  /** Sets the one observer of membership changes. */
  observe(observer: MembershipObserver): void {
    this.#observer = observer;
  }

  /** @returns false if the connection already was a member */
  add(connection: Connection, channel: string): boolean {
    let members = this.#members.get(channel);
    const first = members === undefined;
    if (members === undefined) {
      members = new Set();
      this.#members.set(channel, members);
    } else if (members.has(connection)) {
      return false;
    }
    members.add(connection);
    const channels = connection.channels;
    // Most connections are in one channel: its name alone, a Set from the second on.
    if (channels === null) connection.channels = channel;
    else if (typeof channels === 'string') connection.channels = new Set([channels, channel]);
    else channels.add(channel);
    this.#subscriptions++;
    this.#observer?.joined(connection, channel, first);
    return true;
  }

  /** @returns false if the connection was not a member */
  remove(connection: Connection, channel: string): boolean {
    const channels = connection.channels;
    if (channels === channel) connection.channels = null;
    else if (typeof channels === 'string' || channels?.delete(channel) !== true) return false;
    else if (channels.size === 0) connection.channels = null;
    this.#leave(connection, channel);
    return true;
  }

  /** Takes a closing connection out of every channel it is in. */
  removeAll(connection: Connection): void {
    const channels = connection.channels;
    if (channels === null) return;
    connection.channels = null;
    if (typeof channels === 'string') this.#leave(connection, channels);
    else for (const channel of channels) this.#leave(connection, channel);
  }

  /** The members of a channel; undefined when it has none. */
  members(channel: string): ReadonlySet<Connection> | undefined {
    return this.#members.get(channel);
  }

  /** Every channel with members, with its members. */
  entries(): IterableIterator<[string, ReadonlySet<Connection>]> {
    return this.#members.entries();
  }

  #leave(connection: Connection, channel: string): void {
    const members = this.#members.get(channel);
    if (members?.delete(connection) !== true) return;
    this.#subscriptions--;
    if (members.size === 0) this.#members.delete(channel);
    this.#observer?.left(connection, channel, members.size === 0);
  }
}
