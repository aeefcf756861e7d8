/**
 * A node's liveness in the cluster, and how it finds out it has lost it.
 *
 *   every heartbeatMs, one pipeline: sbRenew(me, token) │ sbFindStopped
 *     alive    ─▶ the key lives nodeTtlMs from when the renewal was sent
 *     unknown  ─▶ Redis lost its data: register everything again
 *     expired  ─▶ the key expired (a stall, a partition): fence
 *     taken    ─▶ another process holds this node id: fence
 *     stopped nodes (after the grace) ─▶ Reaper.reap(node), in the background
 *
 * Each heartbeat also pings the subscriber link. A link whose command goes unanswered
 * for `nodeTtlMs` (cluster-redis.ts) is dropped and reconnects, as after a reset: a
 * partition that drops packets then ends like one that refuses them.
 *
 * Between heartbeats `check(now)` answers whether the node may still serve. A
 * node whose event loop stalled past the moment its key could expire fences
 * itself there and then, before it serves anything: after a stall Node.js runs
 * the I/O that piled up before its timers, so the next heartbeat would come too late.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ChainableCommander } from 'ioredis';
import { type ClusterContext, dropStalledLink, execChecked, isCommandTimeout, type Scripted } from './cluster-redis.ts';
import type { Reaper } from './reaper.ts';

/** Why a node stopped holding its liveness. */
export type LivenessLoss = 'stalled' | 'expired' | 'taken';

export interface HeartbeatOptions {
  reaper: Reaper;
  /** Writes everything the node holds into Redis again (Redis lost its data). */
  register: () => Promise<void>;
  /** The node lost its liveness: it must stop serving. */
  lost: (loss: LivenessLoss) => void;
}

export class Heartbeat {
  readonly #context: ClusterContext;
  readonly #options: HeartbeatOptions;
  /** The liveness key's value: which process (and which registration) holds the node id. */
  #token = '';
  /** Until when the liveness key certainly lives (nodeTtlMs from sending its last confirmed write). */
  #validUntil = 0;
  /** When the heartbeat timer last ran: it runs late only when the event loop stalled. */
  #lastTickAt = 0;
  /** A gap between timer runs this long is a stall. */
  readonly #stallMs: number;
  #timer: NodeJS.Timeout | undefined = undefined;
  #beat: Promise<void> | undefined = undefined;
  /** The subscriber link's ping under way. */
  #probe: Promise<void> | undefined = undefined;
  /** Stopped nodes this node is cleaning up after. */
  readonly #reaping = new Set<string>();
  /** No stopped-node clean-up before this time: nodes back from an outage need a moment to register again. */
  #judgeAfter = 0;
  /** Until start(), and while the node is fenced. */
  #paused = true;
  #stopped = false;

  constructor(context: ClusterContext, options: HeartbeatOptions) {
    this.#context = context;
    this.#options = options;
    const { heartbeatMs, nodeTtlMs } = context.options;
    // With Redis answering, the key outlives the last tick by about nodeTtlMs - heartbeatMs,
    // so a stall that outlasts it is longer than half that; timers merely late under
    // load (while Redis is away, when the key's moment may pass at any time) are shorter.
    this.#stallMs = Math.max(2 * heartbeatMs, (nodeTtlMs - heartbeatMs) / 2);
    this.newToken();
  }

  /** The value this registration writes into the liveness key. */
  get token(): string {
    return this.#token;
  }

  /** A fresh token for a new registration (a fenced node rejoining). */
  newToken(): void {
    this.#token = JSON.stringify({ host: hostname(), pid: process.pid, id: randomUUID() });
  }

  start(): void {
    this.resume();
    this.graceAfterReconnect();
    this.#timer = setInterval(() => this.#tick(), this.#context.options.heartbeatMs);
    this.#timer.unref();
  }

  /** A write of the liveness key that was sent at `sentAt` has been confirmed. */
  confirmed(sentAt: number): void {
    this.#validUntil = sentAt + this.#context.options.nodeTtlMs;
  }

  /** Other nodes back from the same outage get `nodeTtlMs` to register again before they are judged. */
  graceAfterReconnect(): void {
    this.#judgeAfter = Date.now() + this.#context.options.nodeTtlMs;
  }

  /** No renewals and no clean-ups while the node is fenced. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#lastTickAt = Date.now();
  }

  /**
   * Whether the node may serve at `now`: false (and `lost('stalled')` is called) if
   * its key may have expired while the event loop was stalled (the heartbeat timer
   * missed its turns). While Redis is merely unreachable the timer keeps running, and
   * the renewal after the outage decides instead.
   */
  check(now: number): boolean {
    if (this.#paused || now < this.#validUntil) return true;
    // The key's last certain moment passed while the timer was not running (it had
    // passed already at the last tick only if Redis was away: the renewal decides then).
    if (this.#lastTickAt >= this.#validUntil || now - this.#lastTickAt < this.#stallMs) return true;
    if (this.#context.commands.status !== 'ready') return true;
    this.#options.lost('stalled');
    return false;
  }

  /** Asks Redis now whether the node still holds its liveness (after an outage); see the file comment. */
  async renew(): Promise<boolean> {
    const sentAt = Date.now();
    const { keys, commands, nodeId, options } = this.#context;
    const [state] = (await execChecked(
      (commands.pipeline() as Scripted<ChainableCommander>).sbRenew(
        keys.prefix,
        nodeId,
        this.#token,
        options.nodeTtlMs,
      ),
    )) as [string];
    return this.#settle(state, sentAt);
  }

  /** Stops beating; resolves once a beat under way has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await Promise.all([this.#beat, this.#probe]);
  }

  #tick(): void {
    const now = Date.now();
    if (!this.check(now)) return;
    this.#lastTickAt = now;
    if (this.#stopped || this.#paused) return;
    const { commands, subscriber, logger } = this.#context;
    if (this.#probe === undefined && subscriber.status === 'ready') {
      this.#probe = subscriber
        .ping()
        .then(
          () => {},
          (error: unknown) => {
            if (isCommandTimeout(error)) dropStalledLink(subscriber, 'subscriber', logger);
          },
        )
        .finally(() => {
          this.#probe = undefined;
        });
    }
    if (this.#beat !== undefined || commands.status !== 'ready') return;
    this.#beat = this.#once()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'cluster: heartbeat failed');
        if (isCommandTimeout(error)) dropStalledLink(commands, 'commands', logger);
      })
      .finally(() => {
        this.#beat = undefined;
      });
  }

  async #once(): Promise<void> {
    const { keys, commands, nodeId, options } = this.#context;
    const sentAt = Date.now();
    const pipeline = (commands.pipeline() as Scripted<ChainableCommander>).sbRenew(
      keys.prefix,
      nodeId,
      this.#token,
      options.nodeTtlMs,
    ) as Scripted<ChainableCommander>;
    pipeline.sbFindStopped(keys.prefix, nodeId);
    const [state, stopped] = (await execChecked(pipeline)) as [string, string[]];
    if (!(await this.#settle(state, sentAt))) return;
    if (Date.now() < this.#judgeAfter) return;
    // In the background: a long clean-up must not hold up this node's own renewals.
    for (const node of stopped) {
      if (this.#reaping.has(node)) continue;
      this.#reaping.add(node);
      this.#options.reaper
        .reap(node)
        .catch((error: unknown) => this.#context.logger.warn({ err: error, node }, 'cluster: clean-up failed'))
        .finally(() => this.#reaping.delete(node));
    }
  }

  /** Acts on a renewal's answer; resolves whether the node still holds its liveness. */
  async #settle(state: string, sentAt: number): Promise<boolean> {
    const { nodeId, logger } = this.#context;
    if (state === 'alive') {
      this.confirmed(sentAt);
      return true;
    }
    if (state === 'unknown') {
      logger.warn({ nodeId }, 'cluster: Redis has no record of this node (it lost its data); registering again');
      await this.#options.register();
      return true;
    }
    this.#options.lost(state === 'taken' ? 'taken' : 'expired');
    return false;
  }
}
