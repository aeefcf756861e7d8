/**
 * One gateway node of a cluster over Redis, composed of one part per concern (the
 * way `ws` splits its roles); the key and topic layout is in cluster-keys.ts.
 *
 *   cluster-redis.ts          the two Redis links and what the parts share
 *   heartbeat.ts              liveness: renew the node key, notice its loss, find stopped nodes
 *   reaper.ts                 clean-up after a node that stopped without draining
 *   connection-directory.ts   connections and channel memberships held here
 *   cluster-pubsub.ts         channel topics, publishes in and out, members elsewhere
 *   request-forwarding.ts     calls for connections another node holds (over node-rpc.ts)
 *   write-batch.ts            the writes of one tick, sent as one pipeline
 *
 *   start ──▶ connect both links (bounded) ─▶ subscribe ─▶ register ─▶ heartbeat
 *   Redis back after an outage ─▶ still live? register everything held here again, re-subscribe
 *   liveness lost ─▶ fence: serve nothing, cut every connection off (1006), settle their
 *                    $disconnects with the survivors ─▶ rejoin under a new node id
 *   stop ──▶ heartbeat off ─▶ last writes and decisions ─▶ deregister ─▶ close the links
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelRegistry, MembershipObserver } from '../channels/channel-registry.ts';
import type { ChannelsClient } from '../channels/channels-client.ts';
import type { CloseCause, Connection } from '../connection.ts';
import { ClusterError } from '../errors.ts';
import type { ConnectionFacts } from '../events.ts';
import type { ManagementClient } from '../management/client.ts';
import { CLUSTER_SCRIPTS, ClusterKeys } from './cluster-keys.ts';
import { type ResolvedClusterOptions, redactRedisUrl } from './cluster-options.ts';
import { ClusterPubSub } from './cluster-pubsub.ts';
import {
  type ClusterContext,
  callRedis,
  closeLink,
  createRedisLink,
  execChecked,
  type LinkState,
  messageOf,
  type Scripted,
  START_TIMEOUT_MS,
} from './cluster-redis.ts';
import { ConnectionDirectory } from './connection-directory.ts';
import { Heartbeat, type LivenessLoss } from './heartbeat.ts';
import type { ForwardedRequest } from './node-rpc.ts';
import { lostConnectionCause, Reaper } from './reaper.ts';
import { RequestForwarding } from './request-forwarding.ts';
import { WriteBatch } from './write-batch.ts';

/** What the gateway exposes of its cluster node (`gateway.cluster`). */
export interface GatewayCluster {
  /** This node's id in the cluster. */
  readonly nodeId: string;
  /** Resolves when Redis answers; rejects with an `SB_ERR_CLUSTER` error otherwise (for readiness checks). */
  ping(): Promise<void>;
  /**
   * Calls `listener` each time this node's subscriber link to Redis came back
   * after a drop and its channel topics are subscribed again, with the ids of
   * the connections the node holds. Redis pub/sub keeps nothing for a subscriber
   * that is away, so channel publishes made meanwhile never reached them; an
   * application can tell them to catch up. Returns a function that removes the listener.
   * @example gateway.cluster?.onResubscribed((ids) => ids.forEach(askToCatchUp));
   */
  onResubscribed(listener: (connectionIds: readonly string[]) => void): () => void;
}

export interface ClusterNodeDependencies {
  options: ResolvedClusterOptions;
  apiId: string;
  stage: string;
  logger: Logger;
  /** This node's open connections. */
  connections: ReadonlyMap<string, Connection>;
  /** This node's channel memberships; the node observes it. */
  registry: ChannelRegistry;
  /** The node's in-process clients: what forwarded requests and publishes from other nodes run on. */
  local: { management: ManagementClient; channels: ChannelsClient };
  /** Runs `$disconnect` here for a connection that a stopped node held; resolves when its handler is done. */
  onConnectionLost: (facts: ConnectionFacts, cause: CloseCause) => Promise<void>;
  /**
   * The node lost its liveness: cut off every connection of this process at once
   * (their `$disconnect` has `cause` when this node runs it), and resolve once they
   * are all gone. New handshakes are refused meanwhile (`admit` rejects).
   */
  fence: (cause: CloseCause) => Promise<void>;
}

export class ClusterNode implements GatewayCluster, MembershipObserver {
  readonly #deps: ClusterNodeDependencies;
  readonly #context: ClusterContext;
  readonly #links: LinkState = { started: false, stopped: false };
  readonly #batch: WriteBatch;
  readonly #pubsub: ClusterPubSub;
  readonly #directory: ConnectionDirectory;
  readonly #forwarding: RequestForwarding;
  readonly #heartbeat: Heartbeat;
  /** Rejoins so far: the suffix of the next node id. */
  #generation = 0;
  #fenced = false;
  #rejoined: Promise<void> = Promise.resolve();
  readonly #resubscribed = new Set<(connectionIds: readonly string[]) => void>();

  constructor(deps: ClusterNodeDependencies) {
    const { options, logger } = deps;
    this.#deps = deps;
    const commands = createRedisLink(options, 'commands', this.#links, logger) as Scripted<Redis>;
    for (const [name, script] of Object.entries(CLUSTER_SCRIPTS)) commands.defineCommand(name, script);
    const context: ClusterContext = {
      nodeId: options.nodeId,
      options,
      keys: new ClusterKeys(options.keyPrefix, deps.apiId, deps.stage),
      logger,
      commands,
      subscriber: createRedisLink(options, 'subscriber', this.#links, logger),
    };
    this.#context = context;
    this.#batch = new WriteBatch(commands, logger, () => this.#pubsub.applyMarked());
    this.#directory = new ConnectionDirectory(
      context,
      deps.connections,
      deps.registry,
      this.#batch,
      () => this.#pubsub,
      () => this.#heartbeat.token,
    );
    const serving = (): boolean => this.isServing();
    this.#forwarding = new RequestForwarding(context, { local: deps.local, flushed: () => this.flushed(), serving });
    this.#pubsub = new ClusterPubSub(context, {
      local: deps.local.channels,
      wants: (channel) => this.#directory.wants(channel),
      wanted: () => this.#directory.wanted(),
      touch: () => this.#batch.touch(),
      onInbox: (message) => this.#forwarding.receive(message),
      serving,
    });
    this.#heartbeat = new Heartbeat(context, {
      reaper: new Reaper(context, deps.onConnectionLost),
      register: () => this.#register(),
      lost: (loss) => this.#fence(loss),
    });
    deps.registry.observe(this);
  }

  /** Connects to Redis and registers the node; fails with `SB_ERR_CLUSTER` within a few seconds. */
  async start(): Promise<void> {
    const { commands, subscriber, options, logger, keys } = this.#context;
    const failures: Error[] = [];
    const onError = (error: Error): void => {
      failures.push(error);
    };
    commands.on('error', onError);
    subscriber.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([commands.connect(), subscriber.connect()]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        }),
      ]);
      await this.#pubsub.subscribeAll();
      await this.#register();
    } catch (error) {
      commands.disconnect();
      subscriber.disconnect();
      const cause = failures[0] ?? error;
      throw new ClusterError(
        `Cannot reach Redis at cluster.redisUrl ${redactRedisUrl(options.redisUrl)}: ${messageOf(cause)}`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
      commands.off('error', onError);
      subscriber.off('error', onError);
    }
    this.#links.started = true;
    commands.on('ready', () => this.#onCommandsReady());
    subscriber.on('ready', () => this.#onSubscriberReady());
    this.#heartbeat.start();
    logger.info({ nodeId: this.nodeId, keyPrefix: keys.prefix }, 'cluster: node registered');
  }

  onResubscribed(listener: (connectionIds: readonly string[]) => void): () => void {
    this.#resubscribed.add(listener);
    return () => this.#resubscribed.delete(listener);
  }

  /** This node's id in the cluster; a node that fenced itself rejoins under a new one. */
  get nodeId(): string {
    return this.#context.nodeId;
  }

  /**
   * Whether the node may serve its connections now: false while it is fenced, and
   * from the moment it finds (here, if its event loop stalled past the moment its
   * liveness key could expire) that it lost its liveness.
   */
  isServing(now = Date.now()): boolean {
    return !this.#fenced && this.#heartbeat.check(now);
  }

  /**
   * Deregisters the node and closes its Redis links. Call it after the node's
   * connections have closed (their directory entries are then gone already).
   */
  async stop(): Promise<void> {
    if (this.#links.stopped) return;
    this.#links.stopped = true;
    const { commands, subscriber, keys, logger, options } = this.#context;
    await this.#heartbeat.stop();
    await this.flushed().catch(() => {});
    // Decisions Redis cannot answer now are left to the survivors (they run once it is back).
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#directory.allSettled(),
      new Promise((resolve) => {
        waited = setTimeout(resolve, options.nodeTtlMs);
      }),
    ]);
    clearTimeout(waited);
    this.#directory.giveUpSettling();
    this.#forwarding.close();
    if (this.#links.started) {
      try {
        const pipeline = commands.pipeline().del(keys.node(this.nodeId)) as Scripted<ChainableCommander>;
        await execChecked(pipeline.sbForgetNode(keys.prefix, this.nodeId));
      } catch (error) {
        logger.warn({ err: error }, 'cluster: could not deregister the node; others will clean up after its TTL');
      }
    }
    await Promise.all([closeLink(commands), closeLink(subscriber)]);
  }

  async ping(): Promise<void> {
    await callRedis('ping', () => this.#context.commands.ping());
  }

  /**
   * See ConnectionDirectory.admit: the directory entry and channels of a connection,
   * before its 101. Rejects if the node is not serving, also when it stopped serving
   * while the entry was written.
   */
  async admit(facts: ConnectionFacts, channels: ReadonlySet<string>): Promise<void> {
    await this.#directory.admit(facts, channels, this.isServing());
    if (!this.isServing())
      throw new ClusterError(`Gateway node ${this.nodeId} lost its cluster liveness while it admitted a connection`);
  }

  /** See ConnectionDirectory.release: ends an admission once the handshake is over. */
  release(connectionId: string): void {
    this.#directory.release(connectionId);
  }

  /**
   * Whether this node runs the `$disconnect` of its connection that ended (a survivor
   * may have run it already, if this node lost its liveness); see ConnectionDirectory.settle.
   */
  owesDisconnect(connectionId: string): Promise<boolean> {
    return this.#directory.settle(connectionId);
  }

  /** Resolves once a fence under way has ended with the node serving again under its new id. */
  rejoined(): Promise<void> {
    return this.#rejoined;
  }

  /** MembershipObserver: mirrors a new membership into Redis. */
  joined(connection: Connection, channel: string, first: boolean): void {
    this.#directory.joined(connection, channel, first);
  }

  /** MembershipObserver: mirrors a membership's end into Redis. */
  left(connection: Connection, channel: string, last: boolean): void {
    this.#directory.left(connection, channel, last);
  }

  /** Resolves once every write made so far has reached Redis (rejects if they could not). */
  flushed(): Promise<void> {
    return this.#batch.flushed();
  }

  /** See ClusterPubSub.publish: one PUBLISH to the nodes with members. */
  publish(channel: string, data: string | Buffer, exceptConnectionId: string | undefined): Promise<number> {
    return this.#pubsub.publish(channel, data, exceptConnectionId);
  }

  /** The members of a channel on the other live nodes. */
  remoteMembers(channel: string): Promise<string[]> {
    return this.#pubsub.remoteMembers(channel);
  }

  /** How many members a channel has on the other live nodes. */
  remoteCount(channel: string): Promise<number> {
    return this.#pubsub.remoteCount(channel);
  }

  /** See RequestForwarding.forward: runs a call on the node that holds the connection. */
  forward(request: ForwardedRequest, payload?: Buffer): Promise<unknown> {
    return this.#forwarding.forward(request, payload);
  }

  async #register(): Promise<void> {
    const sentAt = Date.now();
    await this.#directory.register();
    this.#heartbeat.confirmed(sentAt);
  }

  #onCommandsReady(): void {
    if (this.#links.stopped) return;
    const { logger } = this.#context;
    this.#directory.retrySettling();
    if (this.#fenced) return;
    logger.info({ nodeId: this.nodeId }, 'cluster: Redis is back; checking the node is still live');
    this.#heartbeat.graceAfterReconnect();
    this.#heartbeat
      .renew()
      .then(async (live) => {
        // Writes made while Redis was away are lost: put everything held here back.
        if (live) await this.#register();
      })
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'cluster: registering again failed; retrying at the next heartbeat'),
      );
  }

  /**
   * The node lost its liveness: a survivor may be running the $disconnect of its
   * connections already. It stops serving at once, cuts every connection off so
   * clients reconnect to other nodes, and rejoins under a new id once each of those
   * connections has its $disconnect settled (on exactly one side: see cluster-keys.ts).
   */
  #fence(loss: LivenessLoss): void {
    if (this.#fenced || this.#links.stopped) return;
    this.#fenced = true;
    this.#heartbeat.pause();
    const old = this.nodeId;
    this.#context.logger.warn(
      { nodeId: old, loss, connections: this.#deps.connections.size },
      'cluster: this node lost its liveness; cutting off its connections and rejoining as a new node',
    );
    this.#rejoined = this.#rejoin(old);
  }

  async #rejoin(old: string): Promise<void> {
    const { keys, commands, subscriber, logger, options } = this.#context;
    await this.#deps.fence(lostConnectionCause(old));
    const next = `${options.nodeId.slice(0, 56)}.${++this.#generation}`;
    while (!this.#links.stopped) {
      try {
        await this.#directory.quiet();
        await execChecked((commands.pipeline() as Scripted<ChainableCommander>).sbForgetNode(keys.prefix, old));
        await subscriber.unsubscribe(keys.inbox(old));
        this.#context.nodeId = next;
        this.#heartbeat.newToken();
        await this.#pubsub.subscribeAll();
        await this.#register();
        this.#fenced = false;
        this.#heartbeat.resume();
        logger.warn({ nodeId: next, previously: old }, 'cluster: rejoined as a new node');
        return;
      } catch (error) {
        logger.warn({ err: error }, 'cluster: rejoining failed; retrying');
        this.#directory.retrySettling();
        await new Promise((resolve) => setTimeout(resolve, options.heartbeatMs));
      }
    }
  }

  #onSubscriberReady(): void {
    if (this.#links.stopped) return;
    const { logger } = this.#context;
    this.#pubsub.subscribeAll().then(
      () => {
        const connectionIds = [...this.#deps.connections.keys()];
        for (const listener of this.#resubscribed) {
          try {
            listener(connectionIds);
          } catch (error) {
            logger.warn({ err: error }, 'cluster: a resubscribed listener failed');
          }
        }
      },
      (error: unknown) =>
        logger.warn({ err: error }, 'cluster: re-subscribing failed; it is retried when the link is ready again'),
    );
  }
}
