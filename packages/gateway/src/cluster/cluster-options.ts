/**
 * The `cluster` option of `createGateway`: many gateway nodes over one Redis act as
 * one API (docs/gateway.md, "Cluster mode").
 */
import { ClusterError, GatewayError, GatewayErrorCode } from '../errors.ts';
import { newId } from '../ids.ts';

export interface ClusterOptions {
  /**
   * The Redis every node of the cluster shares (`redis://[user:password@]host:port[/db]`,
   * or `rediss://` for TLS).
   * @example 'redis://127.0.0.1:6379'
   */
  redisUrl: string;
  /**
   * This node's name in the cluster, unique among its nodes: 1 to 64 characters from
   * `A-Z a-z 0-9 _ . -`.
   * @default a random id
   */
  nodeId?: string;
  /** How often the node renews its liveness key and looks for stopped nodes. @default 1000 */
  heartbeatMs?: number;
  /**
   * How long a node's liveness key lives without renewal. A node silent this long is
   * taken for stopped: its connections answer 410 and get their `$disconnect` on
   * another node; if it was only stalled, it fences itself when it resumes and
   * rejoins under a new id. Must exceed `heartbeatMs`.
   * @default 5000
   */
  nodeTtlMs?: number;
  /**
   * How many `$disconnect`s a survivor runs at once for the connections of a node
   * that lost its liveness, so the clean-up does not swamp the app's database; the
   * clean-up of N connections takes about N / reapConcurrency `$disconnect` durations.
   * @default 8
   */
  reapConcurrency?: number;
  /**
   * First part of every Redis key and pub/sub channel, so several clusters (or test
   * runs) can share one Redis. Keys are `{keyPrefix}:{apiId}:{stage}:...`.
   * @default 'sb'
   */
  keyPrefix?: string;
}

export type ResolvedClusterOptions = Required<ClusterOptions>;

const DEFAULTS = { heartbeatMs: 1000, nodeTtlMs: 5000, reapConcurrency: 8, keyPrefix: 'sb' } as const;

/** Node ids go into key names, so `:` (the key separator) is not allowed in them. */
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Applies the defaults and checks the values: a bad value is an `SB_ERR_CONFIG`
 * naming the option, except a malformed `redisUrl`, which is an `SB_ERR_CLUSTER` as
 * an unreachable one is.
 */
export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const resolved = { ...DEFAULTS, nodeId: newId().slice(0, 15), ...options } satisfies ResolvedClusterOptions;
  const problem = (text: string): GatewayError => new GatewayError(GatewayErrorCode.config, `cluster.${text}`);
  if (typeof resolved.redisUrl !== 'string' || !/^rediss?:\/\/./.test(resolved.redisUrl))
    throw new ClusterError(
      `cluster.redisUrl must be a redis:// or rediss:// URL, got ${JSON.stringify(redactRedisUrl(String(resolved.redisUrl)))}`,
    );
  if (!NODE_ID.test(resolved.nodeId))
    throw problem(`nodeId must be 1 to 64 characters from A-Z a-z 0-9 _ . -, got ${JSON.stringify(resolved.nodeId)}`);
  if (!Number.isInteger(resolved.heartbeatMs) || resolved.heartbeatMs < 10)
    throw problem('heartbeatMs must be an integer of at least 10');
  if (!Number.isInteger(resolved.nodeTtlMs) || resolved.nodeTtlMs <= resolved.heartbeatMs)
    throw problem('nodeTtlMs must be an integer greater than heartbeatMs');
  if (!Number.isInteger(resolved.reapConcurrency) || resolved.reapConcurrency < 1)
    throw problem('reapConcurrency must be an integer of at least 1');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(resolved.keyPrefix))
    throw problem('keyPrefix must be 1 to 64 characters from A-Z a-z 0-9 _ . -');
  return resolved;
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
