/**
 * One gateway node of a cluster over Redis: its liveness, its part of the
 * connection directory and of the channel memberships, its channel topics, the
 * requests other nodes forward to it, and the clean-up after nodes that stopped
 * without draining. The key and topic layout is in cluster-keys.ts.
 *
 *   start ──▶ connect both links (bounded) ─▶ register ─▶ every heartbeatMs, one pipeline:
 *             SET P:node:{me} PX nodeTtlMs GET │ SADD P:nodes me │ find stopped nodes
 *   $connect accepted ─▶ admit(): directory entry + channel topics, awaited before the 101
 *   membership change ─▶ registry observer ─▶ writes of one tick go out as one pipeline
 *   connection closed ─▶ closed(): directory entry removed (same pipeline)
 *   Redis back after an outage ─▶ register everything held here again, re-subscribe
 *
 * Two links, as ioredis requires: one for commands, one in subscriber mode.
 */
import { hostname } from 'node:os';
import { type ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChannelRegistry, MembershipObserver } from '../channels/channel-registry.ts';
import type { ChannelsClient } from '../channels/channels-client.ts';
import type { CloseCause, Connection } from '../connection.ts';
import { ClusterError } from '../errors.ts';
import type { ConnectionFacts } from '../events.ts';
import { isWellFormedId } from '../ids.ts';
import type { ManagementClient } from '../management/client.ts';
import { ManagementApiError, ManagementErrorType } from '../management/errors.ts';
import { CLUSTER_SCRIPTS, ClusterKeys } from './cluster-keys.ts';
import { type ResolvedClusterOptions, redactRedisUrl } from './cluster-options.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { describeToWire, type ForwardedAnswer, type ForwardedRequest, NodeRpc } from './node-rpc.ts';

/** What the gateway exposes of its cluster node (`gateway.cluster`). */
export interface GatewayCluster {
  /** This node's id in the cluster. */
  readonly nodeId: string;
  /** Resolves when Redis answers; rejects with an `SB_ERR_CLUSTER` error otherwise (for readiness checks). */
  ping(): Promise<void>;
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
  /** Runs `$disconnect` here for a connection that a stopped node held. */
  onConnectionLost: (facts: ConnectionFacts, cause: CloseCause) => void;
}

/** How long `listen()` waits for Redis before failing with `SB_ERR_CLUSTER`. */
const START_TIMEOUT_MS = 3000;
/** Reconnect backoff after an outage: doubling from 100 ms, at most this long between attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** Directory entries read per round trip when a stopped node is cleaned up. */
const REAP_BATCH = 1000;

type Scripted<T> = T & {
  sbLocate(key: string, prefix: string): Promise<string | null>;
  sbFindStopped(prefix: string, me: string): T;
  sbPublish(
    prefix: string,
    me: string,
    channel: string,
    except: string,
    topic: string,
    message: Buffer,
  ): Promise<number>;
  sbMembers(prefix: string, me: string, channel: string): Promise<string[]>;
  sbCount(prefix: string, me: string, channel: string): Promise<number>;
  sbForgetNode(prefix: string, node: string): T;
};

/** Writes of one tick, sent together. */
interface Batch {
  pipeline: ChainableCommander | null;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class ClusterNode implements GatewayCluster, MembershipObserver {
  readonly nodeId: string;
  readonly #options: ResolvedClusterOptions;
  readonly #deps: ClusterNodeDependencies;
  readonly #keys: ClusterKeys;
  readonly #logger: Logger;
  readonly #commands: Scripted<Redis>;
  readonly #subscriber: Redis;
  readonly #rpc: NodeRpc;
  readonly #inbox: string;
  readonly #liveness: string;
  /** Connections in the directory whose handshake has not completed, with the channels of their `$connect`. */
  readonly #admitted = new Map<string, { facts: ConnectionFacts; channels: string[] }>();
  /** Channels whose topic admitted connections need, counted. */
  readonly #admittedChannels = new Map<string, number>();
  /** Channels whose topic this node has subscribed to, as far as it has told Redis. */
  readonly #topics = new Set<string>();
  #dirtyTopics = new Set<string>();
  #batch: Batch | null = null;
  #lastFlush: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined = undefined;
  #beat: Promise<void> | undefined = undefined;
  /** No stopped-node clean-up before this time: nodes back from an outage need a moment to register again. */
  #judgeAfter = 0;
  #started = false;
  #stopped = false;

  constructor(deps: ClusterNodeDependencies) {
    this.#deps = deps;
    this.#options = deps.options;
    this.nodeId = deps.options.nodeId;
    this.#keys = new ClusterKeys(deps.options.keyPrefix, deps.apiId, deps.stage);
    this.#logger = deps.logger;
    this.#inbox = this.#keys.inbox(this.nodeId);
    this.#liveness = JSON.stringify({ host: hostname(), pid: process.pid, startedAt: Date.now() });
    this.#commands = this.#link('commands') as Scripted<Redis>;
    for (const [name, script] of Object.entries(CLUSTER_SCRIPTS)) this.#commands.defineCommand(name, script);
    this.#subscriber = this.#link('subscriber');
    this.#subscriber.on('messageBuffer', (topic: Buffer, message: Buffer) => this.#onMessage(topic, message));
    this.#rpc = new NodeRpc({
      nodeId: this.nodeId,
      inbox: (node) => this.#keys.inbox(node),
      publish: (topic, message) => this.#commands.publish(topic, message),
      // A node silent for its TTL is taken for stopped anyway.
      timeoutMs: this.#options.nodeTtlMs,
      serve: (request, payload) => this.#serve(request, payload),
      logger: this.#logger,
    });
    deps.registry.observe(this);
  }

  /** Connects to Redis and registers the node; fails with `SB_ERR_CLUSTER` within a few seconds. */
  async start(): Promise<void> {
    const failures: Error[] = [];
    const onError = (error: Error): void => {
      failures.push(error);
    };
    this.#commands.on('error', onError);
    this.#subscriber.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all([this.#commands.connect(), this.#subscriber.connect()]),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        }),
      ]);
      await this.#subscribeAll();
      await this.#register();
    } catch (error) {
      this.#commands.disconnect();
      this.#subscriber.disconnect();
      const cause = failures[0] ?? error;
      throw new ClusterError(
        `Cannot reach Redis at cluster.redisUrl ${redactRedisUrl(this.#options.redisUrl)}: ${messageOf(cause)}`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
      this.#commands.off('error', onError);
      this.#subscriber.off('error', onError);
    }
    this.#started = true;
    this.#judgeAfter = Date.now() + this.#options.nodeTtlMs;
    this.#commands.on('ready', () => this.#onCommandsReady());
    this.#subscriber.on('ready', () => this.#onSubscriberReady());
    this.#heartbeat = setInterval(() => this.#tick(), this.#options.heartbeatMs);
    this.#heartbeat.unref();
    this.#logger.info({ nodeId: this.nodeId, keyPrefix: this.#keys.prefix }, 'cluster: node registered');
  }

  /**
   * Deregisters the node and closes its Redis links. Call it after the node's
   * connections have closed (their directory entries are then gone already).
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    await this.#beat;
    await this.flushed().catch(() => {});
    this.#rpc.close();
    if (this.#started) {
      try {
        const pipeline = this.#commands.pipeline().del(this.#keys.node(this.nodeId)) as Scripted<ChainableCommander>;
        await execChecked(pipeline.sbForgetNode(this.#keys.prefix, this.nodeId));
      } catch (error) {
        this.#logger.warn({ err: error }, 'cluster: could not deregister the node; others will clean up after its TTL');
      }
    }
    await Promise.all([closeLink(this.#commands), closeLink(this.#subscriber)]);
  }

  async ping(): Promise<void> {
    await this.#redis('ping', () => this.#commands.ping());
  }

  /**
   * Puts a connection whose `$connect` succeeded into the directory, and into the
   * channels its `$connect` joined (members sets and topics), before the client gets
   * its 101: from then on posts and publishes from any node reach it, and `members`
   * on any node lists it. Rejects with `SB_ERR_CLUSTER` when Redis cannot be reached.
   */
  async admit(facts: ConnectionFacts, channels: ReadonlySet<string>): Promise<void> {
    const id = facts.connectionId;
    const admitted = { facts, channels: [...channels] };
    this.#admitted.set(id, admitted);
    const pipeline = this.#write()
      .hset(this.#keys.conn(id), 'node', this.nodeId, 'facts', JSON.stringify(facts))
      .sadd(this.#keys.conns(this.nodeId), id);
    for (const channel of admitted.channels) {
      this.#admittedChannels.set(channel, (this.#admittedChannels.get(channel) ?? 0) + 1);
      pipeline.sadd(this.#keys.members(this.nodeId, channel), id).sadd(this.#keys.channels(this.nodeId), channel);
      this.#markTopic(channel);
    }
    await this.#redis('admit', () => this.flushed());
  }

  /**
   * Ends an admission once the handshake is over (the registry has taken over the
   * memberships of a connection that opened); if the connection did not open, what
   * `admit` wrote is removed. A no-op for a connection that was not admitted.
   */
  release(connectionId: string): void {
    const admitted = this.#admitted.get(connectionId);
    if (admitted === undefined) return;
    this.#admitted.delete(connectionId);
    const opened = this.#deps.connections.has(connectionId);
    for (const channel of admitted.channels) {
      const count = (this.#admittedChannels.get(channel) ?? 1) - 1;
      if (count === 0) this.#admittedChannels.delete(channel);
      else this.#admittedChannels.set(channel, count);
      this.#markTopic(channel);
      if (opened) continue;
      const pipeline = this.#write().srem(this.#keys.members(this.nodeId, channel), connectionId);
      if (count === 0 && this.#deps.registry.members(channel) === undefined)
        pipeline.srem(this.#keys.channels(this.nodeId), channel);
    }
    if (!opened) this.#forget(connectionId);
  }

  /** Removes a closed connection from the directory (its memberships leave through the registry). */
  closed(connection: Connection): void {
    this.#forget(connection.id);
  }

  /** MembershipObserver: mirrors a new membership into Redis. */
  joined(connection: Connection, channel: string, first: boolean): void {
    const pipeline = this.#write().sadd(this.#keys.members(this.nodeId, channel), connection.id);
    if (!first) return;
    pipeline.sadd(this.#keys.channels(this.nodeId), channel);
    this.#markTopic(channel);
  }

  /** MembershipObserver: mirrors a membership's end into Redis. */
  left(connection: Connection, channel: string, last: boolean): void {
    const pipeline = this.#write().srem(this.#keys.members(this.nodeId, channel), connection.id);
    if (!last) return;
    pipeline.srem(this.#keys.channels(this.nodeId), channel);
    this.#markTopic(channel);
  }

  /** Resolves once every write made so far has reached Redis (rejects if they could not). */
  flushed(): Promise<void> {
    return this.#batch?.done ?? this.#lastFlush;
  }

  /**
   * Sends a publish to the other nodes: one PUBLISH on the channel's topic, which
   * only nodes with members subscribe to. Resolves with how many members the other
   * live nodes have (less `exceptConnectionId`).
   */
  publish(channel: string, data: string | Buffer, exceptConnectionId: string | undefined): Promise<number> {
    const header = exceptConnectionId === undefined ? { o: this.nodeId } : { o: this.nodeId, e: exceptConnectionId };
    const message = encodeEnvelope(header, data);
    return this.#redis('publish', () =>
      this.#commands.sbPublish(
        this.#keys.prefix,
        this.nodeId,
        channel,
        exceptConnectionId ?? '',
        this.#keys.channelTopic(channel),
        message,
      ),
    );
  }

  /** The members of a channel on the other live nodes. */
  remoteMembers(channel: string): Promise<string[]> {
    return this.#redis('members', () => this.#commands.sbMembers(this.#keys.prefix, this.nodeId, channel));
  }

  /** How many members a channel has on the other live nodes. */
  remoteCount(channel: string): Promise<number> {
    return this.#redis('count', () => this.#commands.sbCount(this.#keys.prefix, this.nodeId, channel));
  }

  /**
   * Runs a request on the node that holds the connection (callers handle their own
   * connections locally) and resolves its result body. Spec 3.3: an id no live node
   * holds answers 410, as on one node; that includes the connections of a stopped node.
   */
  async forward(request: ForwardedRequest, payload?: Buffer): Promise<unknown> {
    if (!isWellFormedId(request.connectionId)) throw new ManagementApiError(ManagementErrorType.badRequest);
    const holder = await this.#redis('lookup', () =>
      this.#commands.sbLocate(this.#keys.conn(request.connectionId), this.#keys.prefix),
    );
    if (holder === null || holder === this.nodeId) throw new ManagementApiError(ManagementErrorType.gone);
    const answer = await this.#redis('forward', () => this.#rpc.request(holder, request, payload));
    if (answer === undefined) {
      const alive = await this.#redis('lookup', () => this.#commands.exists(this.#keys.node(holder)));
      if (alive === 0) throw new ManagementApiError(ManagementErrorType.gone);
      throw new ClusterError(`Gateway node ${holder} did not answer within ${this.#options.nodeTtlMs} ms`);
    }
    if (answer.ok) return answer.body;
    throw answer.type === undefined
      ? new ClusterError(`Gateway node ${holder} failed: ${answer.message}`)
      : new ManagementApiError(answer.type, answer.message);
  }

  #link(role: string): Redis {
    const redis = new Redis(this.#options.redisUrl, {
      lazyConnect: true,
      connectionName: `switchboard-${this.nodeId}-${role}`,
      connectTimeout: START_TIMEOUT_MS,
      // Fail fast while Redis is away rather than queue: callers get SB_ERR_CLUSTER, and
      // the node puts its whole state back when the link is ready again.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      // Commands issued in one tick (a burst of publishes) go out in one write.
      enableAutoPipelining: true,
      retryStrategy: (attempt: number) => {
        if (!this.#started || this.#stopped) return null;
        const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
        this.#logger.warn({ role, attempt, delayMs: delay }, 'cluster: Redis link lost, reconnecting');
        return delay;
      },
    });
    redis.on('error', (error: Error) => {
      if (this.#started && !this.#stopped) this.#logger.warn({ err: error, role }, 'cluster: Redis link error');
    });
    return redis;
  }

  #onCommandsReady(): void {
    if (this.#stopped) return;
    this.#logger.info({ nodeId: this.nodeId }, 'cluster: Redis is back; registering the node again');
    // Other nodes back from the same outage get the same grace to register again.
    this.#judgeAfter = Date.now() + this.#options.nodeTtlMs;
    this.#register().catch((error: unknown) =>
      this.#logger.warn({ err: error }, 'cluster: registering again failed; retrying at the next heartbeat'),
    );
  }

  #onSubscriberReady(): void {
    if (this.#stopped) return;
    this.#subscribeAll().catch((error: unknown) =>
      this.#logger.warn({ err: error }, 'cluster: re-subscribing failed; it is retried when the link is ready again'),
    );
  }

  /** Subscribes to the inbox and the topic of every channel with members here (at start and after an outage). */
  async #subscribeAll(): Promise<void> {
    this.#topics.clear();
    const channels = new Set(this.#admittedChannels.keys());
    for (const [channel] of this.#deps.registry.entries()) channels.add(channel);
    for (const channel of channels) this.#topics.add(channel);
    await this.#subscriber.subscribe(this.#inbox, ...[...channels].map((channel) => this.#keys.channelTopic(channel)));
  }

  /**
   * Writes everything this node holds: its liveness and registration, a directory
   * entry per connection, its members sets. What Redis had for the node before is
   * replaced, so entries of connections that closed while Redis was away go too.
   */
  async #register(): Promise<void> {
    const me = this.nodeId;
    const keys = this.#keys;
    const [conns, channels] = (await execChecked(
      this.#commands.pipeline().smembers(keys.conns(me)).smembers(keys.channels(me)),
    )) as [string[], string[]];
    const multi = this.#commands.multi();
    for (const id of conns) if (!this.#holds(id)) multi.del(keys.conn(id));
    for (const channel of channels) multi.del(keys.members(me, channel));
    multi.del(keys.conns(me), keys.channels(me));
    multi.set(keys.node(me), this.#liveness, 'PX', this.#options.nodeTtlMs).sadd(keys.nodes, me);
    const held: string[] = [];
    const enter = (facts: ConnectionFacts): void => {
      multi.hset(keys.conn(facts.connectionId), 'node', me, 'facts', JSON.stringify(facts));
      held.push(facts.connectionId);
    };
    for (const connection of this.#deps.connections.values()) enter(connection.facts);
    for (const { facts } of this.#admitted.values()) enter(facts);
    if (held.length > 0) multi.sadd(keys.conns(me), ...held);
    const withMembers: string[] = [];
    for (const [channel, members] of this.#deps.registry.entries()) {
      multi.sadd(keys.members(me, channel), ...[...members].map((connection) => connection.id));
      withMembers.push(channel);
    }
    if (withMembers.length > 0) multi.sadd(keys.channels(me), ...withMembers);
    await execChecked(multi);
  }

  #holds(connectionId: string): boolean {
    return this.#deps.connections.has(connectionId) || this.#admitted.has(connectionId);
  }

  #forget(connectionId: string): void {
    this.#write().del(this.#keys.conn(connectionId)).srem(this.#keys.conns(this.nodeId), connectionId);
  }

  #onMessage(topicBytes: Buffer, message: Buffer): void {
    const topic = topicBytes.toString();
    if (topic === this.#inbox) {
      this.#rpc.receive(message);
      return;
    }
    const channel = this.#keys.channelOfTopic(topic);
    if (channel === undefined) return;
    let decoded: { header: { o: string; e?: string }; payload: Buffer };
    try {
      decoded = decodeEnvelope(message);
    } catch (error) {
      this.#logger.warn({ err: error, channel }, 'cluster: unreadable channel message');
      return;
    }
    const { header, payload } = decoded;
    // This node fanned its own publish out locally already.
    if (header.o === this.nodeId) return;
    this.#deps.local.channels
      .publish(channel, payload, header.e === undefined ? undefined : { exceptConnectionId: header.e })
      .catch((error: unknown) => this.#logger.warn({ err: error, channel }, 'cluster: local fan-out failed'));
  }

  /** Runs a request another node forwarded for a connection of this node. */
  async #serve(request: ForwardedRequest, payload: Buffer): Promise<ForwardedAnswer> {
    const { management, channels } = this.#deps.local;
    const input = { ConnectionId: request.connectionId };
    try {
      switch (request.op) {
        case 'post':
          await management.postToConnection({ ...input, Data: payload });
          return { ok: true };
        case 'get':
          return { ok: true, body: describeToWire(await management.getConnection(input)) };
        case 'delete':
          await management.deleteConnection(input);
          return { ok: true };
        case 'subscribe':
          await channels.subscribe(request.connectionId, request.channel);
          await this.flushed();
          return { ok: true };
        case 'unsubscribe':
          await channels.unsubscribe(request.connectionId, request.channel);
          await this.flushed();
          return { ok: true };
      }
    } catch (error) {
      if (error instanceof ManagementApiError) return { ok: false, type: error.name, message: error.message };
      return { ok: false, type: undefined, message: messageOf(error) };
    }
  }

  #tick(): void {
    if (this.#beat !== undefined || this.#stopped || this.#commands.status !== 'ready') return;
    this.#beat = this.#heartbeatOnce()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'cluster: heartbeat failed'))
      .finally(() => {
        this.#beat = undefined;
      });
  }

  async #heartbeatOnce(): Promise<void> {
    const keys = this.#keys;
    const pipeline = this.#commands
      .pipeline()
      .set(keys.node(this.nodeId), this.#liveness, 'PX', this.#options.nodeTtlMs, 'GET')
      .sadd(keys.nodes, this.nodeId) as Scripted<ChainableCommander>;
    const [previous, , stopped] = (await execChecked(pipeline.sbFindStopped(keys.prefix, this.nodeId))) as [
      string | null,
      number,
      string[],
    ];
    if (previous === null) {
      // The key had expired (a long pause, an outage): another node may be cleaning up after this one.
      this.#logger.warn({ nodeId: this.nodeId }, 'cluster: this node was taken for stopped; registering again');
      await this.#register();
    }
    if (Date.now() < this.#judgeAfter) return;
    for (const node of stopped) {
      if (this.#stopped) return;
      await this.#reap(node);
    }
  }

  /**
   * Cleans up after a node whose liveness key expired: one survivor, elected with
   * SET NX PX, runs `$disconnect` for each of its connections (1006, with the facts
   * stored in the directory) and removes its keys. The node key is checked again
   * before the `$disconnect`s, and atomically with the removal: a node back from a
   * Redis outage has registered again by then and keeps its connections.
   */
  async #reap(node: string): Promise<void> {
    const keys = this.#keys;
    const claimed = await this.#commands.set(keys.reap(node), this.nodeId, 'PX', this.#options.nodeTtlMs * 2, 'NX');
    if (claimed !== 'OK') return;
    if ((await this.#commands.exists(keys.node(node))) === 1) return;
    const ids = await this.#commands.smembers(keys.conns(node));
    const lost: ConnectionFacts[] = [];
    for (let start = 0; start < ids.length; start += REAP_BATCH) {
      const pipeline = this.#commands.pipeline();
      for (const id of ids.slice(start, start + REAP_BATCH)) pipeline.hmget(keys.conn(id), 'node', 'facts');
      for (const [holder, facts] of (await execChecked(pipeline)) as [string | null, string | null][]) {
        if (holder === node && facts !== null) lost.push(JSON.parse(facts) as ConnectionFacts);
      }
    }
    if ((await this.#commands.exists(keys.node(node))) === 1) return;
    const cause: CloseCause = { code: 1006, reason: `Connection lost: gateway node ${node} stopped` };
    for (const facts of lost) this.#deps.onConnectionLost(facts, cause);
    await execChecked((this.#commands.pipeline() as Scripted<ChainableCommander>).sbForgetNode(keys.prefix, node));
    this.#logger.warn(
      { node, connections: lost.length },
      'cluster: a node stopped without draining; ran $disconnect for its connections',
    );
  }

  #markTopic(channel: string): void {
    this.#dirtyTopics.add(channel);
    this.#schedule();
  }

  #write(): ChainableCommander {
    const batch = this.#schedule();
    batch.pipeline ??= this.#commands.pipeline();
    return batch.pipeline;
  }

  #schedule(): Batch {
    if (this.#batch !== null) return this.#batch;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch((error: unknown) =>
      this.#logger.warn({ err: error }, 'cluster: writing to Redis failed; the node registers again when it is back'),
    );
    this.#batch = { pipeline: null, done, resolve, reject };
    setImmediate(this.#flush);
    return this.#batch;
  }

  /** Sends the tick's writes and topic changes; bound once, so scheduling allocates no closure. */
  readonly #flush = (): void => {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const dirty = this.#dirtyTopics;
    this.#dirtyTopics = new Set();
    const work = Promise.all([batch.pipeline && execChecked(batch.pipeline), this.#applyTopics(dirty)]).then(() => {});
    work.then(batch.resolve, batch.reject);
    this.#lastFlush = work.catch(() => {});
  };

  /** Subscribes to the topics of channels that gained members here, unsubscribes from those that lost all. */
  #applyTopics(channels: Set<string>): Promise<unknown> {
    const subscribe: string[] = [];
    const unsubscribe: string[] = [];
    for (const channel of channels) {
      const wanted = this.#deps.registry.members(channel) !== undefined || this.#admittedChannels.has(channel);
      if (wanted && !this.#topics.has(channel)) {
        this.#topics.add(channel);
        subscribe.push(this.#keys.channelTopic(channel));
      } else if (!wanted && this.#topics.has(channel)) {
        this.#topics.delete(channel);
        unsubscribe.push(this.#keys.channelTopic(channel));
      }
    }
    const calls: Promise<unknown>[] = [];
    if (subscribe.length > 0) calls.push(this.#subscriber.subscribe(...subscribe));
    if (unsubscribe.length > 0) calls.push(this.#subscriber.unsubscribe(...unsubscribe));
    return Promise.all(calls);
  }

  /** Runs a Redis call, turning its failure into an `SB_ERR_CLUSTER` error that says what failed. */
  async #redis<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ManagementApiError || error instanceof ClusterError) throw error;
      throw new ClusterError(`Cluster ${what} failed: Redis is not available (${messageOf(error)})`, { cause: error });
    }
  }
}

/** Runs a pipeline or transaction; rejects with the first command error. */
async function execChecked(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('the transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

async function closeLink(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
