/**
 * A node's part of the cluster's connection directory and channel memberships in
 * Redis: which connections it holds (so any node can forward to them) and which of
 * them are members of which channels (so any node can count and list them).
 *
 *   $connect accepted ─▶ admit(): directory entry (sbEnter, only while the node is live)
 *                        + channels, awaited before the 101
 *   handshake over ─▶ release(): the admission ends; a connection that did not open is settled
 *   membership change ─▶ joined()/left() (registry observer) ─▶ the tick's writes
 *   connection ended ─▶ settle(): sbRelease deletes its entry and says who runs its $disconnect
 *   (re)registration ─▶ register(): everything held here replaces what Redis had for the node
 *
 * `settle` waits for Redis when it is away (retried when the link is back): until
 * Redis answers, nobody can know whether a survivor took the connection already.
 */
import type { ChannelRegistry, MembershipObserver } from '../channels/channel-registry.ts';
import type { Connection } from '../connection.ts';
import { ClusterError } from '../errors.ts';
import type { ConnectionFacts } from '../events.ts';
import type { ClusterPubSub } from './cluster-pubsub.ts';
import { type ClusterContext, callRedis, execChecked } from './cluster-redis.ts';
import type { WriteBatch } from './write-batch.ts';

/** A connection whose `$disconnect` owner is being decided. */
interface Settling {
  /** The node id the connection was held under (it changes when a fenced node rejoins). */
  readonly nodeId: string;
  readonly decided: Promise<boolean>;
  readonly resolve: (owes: boolean) => void;
  /** Redis could not be asked: retried when the link is back. */
  waiting: boolean;
}

export class ConnectionDirectory implements MembershipObserver {
  readonly #context: ClusterContext;
  /** This node's open connections. */
  readonly #connections: ReadonlyMap<string, Connection>;
  readonly #registry: ChannelRegistry;
  readonly #batch: WriteBatch;
  readonly #pubsub: () => ClusterPubSub;
  /** The node's current liveness token, which sbEnter checks. */
  readonly #token: () => string;
  /** Connections whose admission was refused before any entry was written: only this node knows them. */
  readonly #neverEntered = new Set<string>();
  readonly #settling = new Map<string, Settling>();
  #retry: NodeJS.Timeout | undefined = undefined;
  /** Connections in the directory whose handshake has not completed, with the channels of their `$connect`. */
  readonly #admitted = new Map<string, { facts: ConnectionFacts; channels: string[] }>();
  /** Channels whose topic admitted connections need, counted. */
  readonly #admittedChannels = new Map<string, number>();

  constructor(
    context: ClusterContext,
    connections: ReadonlyMap<string, Connection>,
    registry: ChannelRegistry,
    batch: WriteBatch,
    pubsub: () => ClusterPubSub,
    token: () => string,
  ) {
    this.#context = context;
    this.#connections = connections;
    this.#registry = registry;
    this.#batch = batch;
    this.#pubsub = pubsub;
    this.#token = token;
  }

  /** Whether the node needs a channel's topic: it has members in it, or admits some. */
  wants(channel: string): boolean {
    return this.#registry.members(channel) !== undefined || this.#admittedChannels.has(channel);
  }

  /** Every channel the node needs the topic of. */
  *wanted(): Iterable<string> {
    const channels = new Set(this.#admittedChannels.keys());
    for (const [channel] of this.#registry.entries()) channels.add(channel);
    yield* channels;
  }

  /**
   * Puts a connection whose `$connect` succeeded into the directory, and into the
   * channels its `$connect` joined (members sets and topics), before the client gets
   * its 101: from then on posts and publishes from any node reach it, and `members`
   * on any node lists it. Rejects with `SB_ERR_CLUSTER` when Redis cannot be reached
   * or the node no longer holds its liveness (`live` is false, or Redis says so).
   */
  async admit(facts: ConnectionFacts, channels: ReadonlySet<string>, live: boolean): Promise<void> {
    const { keys, nodeId, commands } = this.#context;
    const id = facts.connectionId;
    if (!live) {
      this.#neverEntered.add(id);
      throw fencedError(nodeId);
    }
    const admitted = { facts, channels: [...channels] };
    this.#admitted.set(id, admitted);
    for (const channel of admitted.channels) {
      this.#admittedChannels.set(channel, (this.#admittedChannels.get(channel) ?? 0) + 1);
      this.#batch.write().sadd(keys.members(nodeId, channel), id).sadd(keys.channels(nodeId), channel);
      this.#pubsub().mark(channel);
    }
    // Sent in the same write as the tick's batch (auto-pipelining).
    const entered = commands.sbEnter(keys.prefix, nodeId, this.#token(), id, JSON.stringify(facts));
    const [written] = await callRedis('admit', () => Promise.all([entered, this.#batch.flushed()]));
    if (written !== 1) {
      this.#neverEntered.add(id);
      throw fencedError(nodeId);
    }
  }

  /**
   * Decides who runs the `$disconnect` of a connection of this node that ended:
   * true if this node does. Resolves once Redis has answered (also for a second call
   * for the same connection while the first is under way).
   */
  settle(connectionId: string): Promise<boolean> {
    if (this.#neverEntered.delete(connectionId)) return Promise.resolve(true);
    const under = this.#settling.get(connectionId);
    if (under !== undefined) return under.decided;
    let resolve!: (owes: boolean) => void;
    const decided = new Promise<boolean>((res) => {
      resolve = res;
    });
    const settling: Settling = { nodeId: this.#context.nodeId, decided, resolve, waiting: false };
    this.#settling.set(connectionId, settling);
    this.#ask(connectionId, settling);
    return decided;
  }

  /** Asks Redis again for the decisions it could not answer (the link is back). */
  retrySettling(): void {
    for (const [connectionId, settling] of this.#settling) {
      if (settling.waiting) this.#ask(connectionId, settling);
    }
  }

  /** Resolves once no decision is under way or waiting. */
  async allSettled(): Promise<void> {
    while (this.#settling.size > 0) await Promise.all([...this.#settling.values()].map((settling) => settling.decided));
  }

  /**
   * Resolves once no handshake is between its admission and its end, and no decision
   * is under way: then no entry of this node's id is left that a survivor needs.
   */
  async quiet(): Promise<void> {
    while (this.#admitted.size > 0 || this.#settling.size > 0) {
      await this.allSettled();
      if (this.#admitted.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Leaves the decisions Redis could not answer to the survivors (the node stops):
   * once its liveness key expires they run those `$disconnect`s.
   */
  giveUpSettling(): void {
    clearTimeout(this.#retry);
    for (const settling of this.#settling.values()) settling.resolve(false);
    if (this.#settling.size > 0)
      this.#context.logger.warn(
        { connections: this.#settling.size },
        'cluster: Redis did not answer in time; the $disconnect of these connections is left to the survivors',
      );
    this.#settling.clear();
  }

  /**
   * Ends an admission once the handshake is over (the registry has taken over the
   * memberships of a connection that opened); if the connection did not open, what
   * `admit` wrote is removed. A no-op for a connection that was not admitted.
   */
  release(connectionId: string): void {
    const admitted = this.#admitted.get(connectionId);
    if (admitted === undefined) return;
    const { keys, nodeId } = this.#context;
    this.#admitted.delete(connectionId);
    const opened = this.#connections.has(connectionId);
    for (const channel of admitted.channels) {
      const count = (this.#admittedChannels.get(channel) ?? 1) - 1;
      if (count === 0) this.#admittedChannels.delete(channel);
      else this.#admittedChannels.set(channel, count);
      this.#pubsub().mark(channel);
      if (opened) continue;
      const pipeline = this.#batch.write().srem(keys.members(nodeId, channel), connectionId);
      if (count === 0 && this.#registry.members(channel) === undefined) pipeline.srem(keys.channels(nodeId), channel);
    }
    if (opened) return;
    if (this.#neverEntered.has(connectionId)) {
      // Not in Redis: nothing to remove. Its `$disconnect`, if one is owed, is asked
      // for in the same turn as this release and takes the mark; otherwise it goes.
      queueMicrotask(() => this.#neverEntered.delete(connectionId));
      return;
    }
    void this.settle(connectionId);
  }

  /** MembershipObserver: mirrors a new membership into Redis. */
  joined(connection: Connection, channel: string, first: boolean): void {
    const { keys, nodeId } = this.#context;
    const pipeline = this.#batch.write().sadd(keys.members(nodeId, channel), connection.id);
    if (!first) return;
    pipeline.sadd(keys.channels(nodeId), channel);
    this.#pubsub().mark(channel);
  }

  /** MembershipObserver: mirrors a membership's end into Redis. */
  left(connection: Connection, channel: string, last: boolean): void {
    const { keys, nodeId } = this.#context;
    const pipeline = this.#batch.write().srem(keys.members(nodeId, channel), connection.id);
    if (!last) return;
    pipeline.srem(keys.channels(nodeId), channel);
    this.#pubsub().mark(channel);
  }

  /**
   * Writes everything this node holds: its liveness and registration, a directory
   * entry per connection, its members sets. What Redis had for the node before is
   * replaced, so entries of connections that closed while Redis was away go too.
   */
  async register(): Promise<void> {
    const { keys, nodeId: me, commands, options } = this.#context;
    const [conns, channels] = (await execChecked(
      commands.pipeline().smembers(keys.conns(me)).smembers(keys.channels(me)),
    )) as [string[], string[]];
    const multi = commands.multi();
    for (const id of conns) if (!this.#holds(id)) multi.del(keys.conn(id));
    for (const channel of channels) multi.del(keys.members(me, channel));
    multi.del(keys.conns(me), keys.channels(me));
    multi.set(keys.node(me), this.#token(), 'PX', options.nodeTtlMs).sadd(keys.nodes, me);
    const held: string[] = [];
    const enter = (facts: ConnectionFacts): void => {
      multi.hset(keys.conn(facts.connectionId), 'node', me, 'facts', JSON.stringify(facts));
      held.push(facts.connectionId);
    };
    for (const connection of this.#connections.values()) enter(connection.facts);
    for (const { facts } of this.#admitted.values()) enter(facts);
    if (held.length > 0) multi.sadd(keys.conns(me), ...held);
    const withMembers: string[] = [];
    for (const [channel, members] of this.#registry.entries()) {
      multi.sadd(keys.members(me, channel), ...[...members].map((connection) => connection.id));
      withMembers.push(channel);
    }
    if (withMembers.length > 0) multi.sadd(keys.channels(me), ...withMembers);
    await execChecked(multi);
  }

  #holds(connectionId: string): boolean {
    return this.#connections.has(connectionId) || this.#admitted.has(connectionId);
  }

  #ask(connectionId: string, settling: Settling): void {
    const { keys, commands } = this.#context;
    settling.waiting = false;
    commands.sbRelease(keys.prefix, settling.nodeId, connectionId).then(
      (owes) => {
        if (this.#settling.get(connectionId) !== settling) return;
        this.#settling.delete(connectionId);
        settling.resolve(owes === 1);
      },
      () => {
        settling.waiting = true;
        // A failure on a working link is retried soon; otherwise when the link is back.
        if (commands.status === 'ready' && this.#retry === undefined) {
          this.#retry = setTimeout(() => {
            this.#retry = undefined;
            this.retrySettling();
          }, this.#context.options.heartbeatMs);
          this.#retry.unref();
        }
      },
    );
  }
}

function fencedError(nodeId: string): ClusterError {
  return new ClusterError(
    `Gateway node ${nodeId} has lost its cluster liveness and takes no connections until it rejoins`,
  );
}
