/**
 * A node's part of channels across the cluster, over Redis pub/sub: the topics
 * it subscribes to (a channel's topic only while it has members here), what it
 * receives on them and on its inbox, and what it asks of the other nodes'
 * members (publish, members, count).
 *
 *   membership change ─▶ mark(channel) ─▶ with the tick's writes: SUBSCRIBE / UNSUBSCRIBE
 *   PUBLISH on P:channel:{c} ─▶ every node with members ─▶ local fan-out (frame once)
 *   message on P:inbox:{me} ─▶ forwarded request or reply (request-forwarding.ts)
 */
import type { ChannelsClient } from '../channels/channels-client.ts';
import { type ClusterContext, callRedis } from './cluster-redis.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';

export interface ClusterPubSubOptions {
  /** This node's in-process channels: where publishes from other nodes fan out. */
  local: ChannelsClient;
  /** Whether the node needs a channel's topic (it has members in it, or admits some). */
  wants: (channel: string) => boolean;
  /** Every channel the node needs the topic of. */
  wanted: () => Iterable<string>;
  /** Schedules the tick's flush, which calls `applyMarked()`. */
  touch: () => void;
  /** A message in the node's inbox. */
  onInbox: (message: Buffer) => void;
  /** Whether the node may serve (false once it has lost its liveness): publishes are dropped otherwise. */
  serving: () => boolean;
}

export class ClusterPubSub {
  readonly #context: ClusterContext;
  readonly #options: ClusterPubSubOptions;
  /** Channels whose topic this node has subscribed to, as far as it has told Redis. */
  readonly #topics = new Set<string>();
  #marked = new Set<string>();

  constructor(context: ClusterContext, options: ClusterPubSubOptions) {
    this.#context = context;
    this.#options = options;
    context.subscriber.on('messageBuffer', (topic: Buffer, message: Buffer) => this.#onMessage(topic, message));
  }

  /** Subscribes to the inbox and the topic of every channel with members here (at start and after an outage). */
  async subscribeAll(): Promise<void> {
    const { keys, subscriber, nodeId } = this.#context;
    this.#topics.clear();
    for (const channel of this.#options.wanted()) this.#topics.add(channel);
    await subscriber.subscribe(keys.inbox(nodeId), ...[...this.#topics].map((channel) => keys.channelTopic(channel)));
  }

  /** A channel gained or lost members here: its subscription is settled with the tick's writes. */
  mark(channel: string): void {
    this.#marked.add(channel);
    this.#options.touch();
  }

  /** Subscribes to the topics of channels that gained members here, unsubscribes from those that lost all. */
  applyMarked(): Promise<unknown> {
    const channels = this.#marked;
    this.#marked = new Set();
    const { keys, subscriber } = this.#context;
    const subscribe: string[] = [];
    const unsubscribe: string[] = [];
    for (const channel of channels) {
      const wanted = this.#options.wants(channel);
      if (wanted && !this.#topics.has(channel)) {
        this.#topics.add(channel);
        subscribe.push(keys.channelTopic(channel));
      } else if (!wanted && this.#topics.has(channel)) {
        this.#topics.delete(channel);
        unsubscribe.push(keys.channelTopic(channel));
      }
    }
    const calls: Promise<unknown>[] = [];
    if (subscribe.length > 0) calls.push(subscriber.subscribe(...subscribe));
    if (unsubscribe.length > 0) calls.push(subscriber.unsubscribe(...unsubscribe));
    return Promise.all(calls);
  }

  /**
   * Sends a publish to the other nodes: one PUBLISH on the channel's topic, which
   * only nodes with members subscribe to. Resolves with how many members the other
   * live nodes have (less `exceptConnectionId`).
   */
  publish(channel: string, data: string | Buffer, exceptConnectionId: string | undefined): Promise<number> {
    const { keys, commands, nodeId } = this.#context;
    const header = exceptConnectionId === undefined ? { o: nodeId } : { o: nodeId, e: exceptConnectionId };
    const message = encodeEnvelope(header, data);
    return callRedis('publish', () =>
      commands.sbPublish(keys.prefix, nodeId, channel, exceptConnectionId ?? '', keys.channelTopic(channel), message),
    );
  }

  /** The members of a channel on the other live nodes. */
  remoteMembers(channel: string): Promise<string[]> {
    const { keys, commands, nodeId } = this.#context;
    return callRedis('members', () => commands.sbMembers(keys.prefix, nodeId, channel));
  }

  /** How many members a channel has on the other live nodes. */
  remoteCount(channel: string): Promise<number> {
    const { keys, commands, nodeId } = this.#context;
    return callRedis('count', () => commands.sbCount(keys.prefix, nodeId, channel));
  }

  #onMessage(topicBytes: Buffer, message: Buffer): void {
    const { keys, nodeId, logger } = this.#context;
    const topic = topicBytes.toString();
    if (topic === keys.inbox(nodeId)) {
      this.#options.onInbox(message);
      return;
    }
    const channel = keys.channelOfTopic(topic);
    if (channel === undefined || !this.#options.serving()) return;
    let decoded: { header: { o: string; e?: string }; payload: Buffer };
    try {
      decoded = decodeEnvelope(message);
    } catch (error) {
      logger.warn({ err: error, channel }, 'cluster: unreadable channel message');
      return;
    }
    const { header, payload } = decoded;
    // This node fanned its own publish out locally already.
    if (header.o === nodeId) return;
    this.#options.local
      .publish(channel, payload, header.e === undefined ? undefined : { exceptConnectionId: header.e })
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'cluster: local fan-out failed'));
  }
}
