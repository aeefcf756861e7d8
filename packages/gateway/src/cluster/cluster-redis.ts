/**
 * A node's two Redis links and what every part of the node shares about them.
 * ioredis needs two: one for commands, one in subscriber mode.
 *
 * The links fail fast while Redis is away rather than queue: callers get
 * `SB_ERR_CLUSTER`, and the node puts its whole state back when the link is ready
 * again (cluster-node.ts).
 */
import { type ChainableCommander, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClusterError } from '../errors.ts';
import { ManagementApiError } from '../management/errors.ts';
import type { ClusterKeys } from './cluster-keys.ts';
import type { ResolvedClusterOptions } from './cluster-options.ts';

/** How long `listen()` waits for Redis before failing with `SB_ERR_CLUSTER`. */
export const START_TIMEOUT_MS = 3000;
/** Reconnect backoff after an outage: doubling from 100 ms, at most this long between attempts. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** The commands link with the scripts of cluster-keys.ts defined on it. */
export type Scripted<T> = T & {
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
  sbRenew(prefix: string, me: string, token: string, ttlMs: number): T;
  sbEnter(prefix: string, me: string, token: string, connectionId: string, facts: string): Promise<number>;
  sbRelease(prefix: string, me: string, connectionId: string): Promise<number>;
  sbClaimNode(prefix: string, node: string, me: string, reapTtlMs: number, deadTtlMs: number): Promise<number>;
  sbClaimEntry(prefix: string, node: string, connectionId: string): Promise<string | null>;
};

/** What the parts of one node share: who it is, its keys, its links. */
export interface ClusterContext {
  /** The node's id; a node that fenced itself rejoins under a new one. */
  nodeId: string;
  readonly options: ResolvedClusterOptions;
  readonly keys: ClusterKeys;
  readonly logger: Logger;
  readonly commands: Scripted<Redis>;
  readonly subscriber: Redis;
}

/** Whether the links may reconnect (after a successful start, until stop). */
export interface LinkState {
  started: boolean;
  stopped: boolean;
}

export function createRedisLink(
  options: ResolvedClusterOptions,
  role: 'commands' | 'subscriber',
  state: LinkState,
  logger: Logger,
): Redis {
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    connectionName: `switchboard-${options.nodeId}-${role}`,
    connectTimeout: START_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    // Commands issued in one tick (a burst of publishes) go out in one write.
    enableAutoPipelining: true,
    // A link that stops answering without closing (a partition that drops packets, a hung
    // Redis) would hold every command for as long as TCP retransmits, minutes: a command
    // unanswered for a node's TTL fails instead, and the heartbeat drops the link (heartbeat.ts).
    commandTimeout: options.nodeTtlMs,
    retryStrategy: (attempt: number) => {
      if (!state.started || state.stopped) return null;
      const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
      logger.warn({ role, attempt, delayMs: delay }, 'cluster: Redis link lost, reconnecting');
      return delay;
    },
  });
  redis.on('error', (error: Error) => {
    if (state.started && !state.stopped) logger.warn({ err: error, role }, 'cluster: Redis link error');
  });
  return redis;
}

/** Whether `error` is a command that went unanswered for `commandTimeout` (ioredis's own error). */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/**
 * Drops a link whose commands go unanswered, so it reconnects as after a reset and the
 * node puts its state back once it is ready (cluster-node.ts): the socket of a silent
 * link would stay open, and the link `ready`, for as long as TCP retransmits.
 */
export function dropStalledLink(redis: Redis, role: 'commands' | 'subscriber', logger: Logger): void {
  if (redis.status !== 'ready') return;
  logger.warn({ role }, 'cluster: Redis link stopped answering; reconnecting');
  redis.disconnect(true);
}

/** Runs a Redis call, turning its failure into an `SB_ERR_CLUSTER` error that says what failed. */
export async function callRedis<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ManagementApiError || error instanceof ClusterError) throw error;
    throw new ClusterError(`Cluster ${what} failed: Redis is not available (${messageOf(error)})`, { cause: error });
  }
}

/** Runs a pipeline or transaction; rejects with the first command error. */
export async function execChecked(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (results === null) throw new Error('the transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export async function closeLink(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await redis.quit().catch(() => redis.disconnect());
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
