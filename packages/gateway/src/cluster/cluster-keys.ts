/**
 * Every Redis key and pub/sub channel of a cluster, in one place. `P` is
 * `{keyPrefix}:{apiId}:{stage}`; node ids never contain `:` (cluster-options.ts), so
 * `P:node:{id}:...` cannot be confused between nodes.
 *
 *   P:nodes                          SET     registered node ids (scanned each heartbeat)
 *   P:node:{node}                    STRING  liveness (the holding process's token), expires nodeTtlMs
 *                                            after the last heartbeat; never written again once expired
 *   P:node:{node}:conns              SET     the node's connection ids
 *   P:node:{node}:channels           SET     channels the node has members in
 *   P:node:{node}:members:{channel}  SET     the node's members of a channel
 *   P:conn:{connectionId}            HASH    node = holder, facts = ConnectionFacts JSON
 *   P:reap:{node}                    STRING  which survivor handles a stopped node (SET NX PX)
 *   P:dead:{node}                    STRING  tombstone: survivors clean up after this node id (1 day)
 *
 *   pub/sub  P:channel:{channel}     a publish: subscribed by nodes with local members only
 *   pub/sub  P:inbox:{node}          forwarded requests to a node and replies to its own requests
 *
 * The Lua scripts below take `P` as their first argument and build key names from it;
 * they run on one Redis (not Redis Cluster, which would need every key declared).
 */
export class ClusterKeys {
  readonly prefix: string;
  readonly nodes: string;
  readonly #channelTopicPrefix: string;

  constructor(keyPrefix: string, apiId: string, stage: string) {
    this.prefix = `${keyPrefix}:${apiId}:${stage}`;
    this.nodes = `${this.prefix}:nodes`;
    this.#channelTopicPrefix = `${this.prefix}:channel:`;
  }

  node(node: string): string {
    return `${this.prefix}:node:${node}`;
  }

  conns(node: string): string {
    return `${this.prefix}:node:${node}:conns`;
  }

  channels(node: string): string {
    return `${this.prefix}:node:${node}:channels`;
  }

  members(node: string, channel: string): string {
    return `${this.prefix}:node:${node}:members:${channel}`;
  }

  conn(connectionId: string): string {
    return `${this.prefix}:conn:${connectionId}`;
  }

  reap(node: string): string {
    return `${this.prefix}:reap:${node}`;
  }

  dead(node: string): string {
    return `${this.prefix}:dead:${node}`;
  }

  inbox(node: string): string {
    return `${this.prefix}:inbox:${node}`;
  }

  channelTopic(channel: string): string {
    return `${this.#channelTopicPrefix}${channel}`;
  }

  /** The channel a topic carries, or undefined for a topic that is not a channel's. */
  channelOfTopic(topic: string): string | undefined {
    return topic.startsWith(this.#channelTopicPrefix) ? topic.slice(this.#channelTopicPrefix.length) : undefined;
  }
}

/** A live node's members sets, skipping `me` (whose members the caller knows locally). */
const FOR_EACH_LIVE_OTHER_NODE = `
local P, me, channel = ARGV[1], ARGV[2], ARGV[3]
local function each(fn)
  for _, node in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
    if node ~= me and redis.call('EXISTS', P .. ':node:' .. node) == 1 then
      fn(P .. ':node:' .. node .. ':members:' .. channel)
    end
  end
end
`;

/** take(P, node, id): deletes a connection's entry if it names `node`; returns its facts, or nil. */
const TAKE_ENTRY = `
local function take(P, node, id)
  local key = P .. ':conn:' .. id
  local entry = redis.call('HMGET', key, 'node', 'facts')
  redis.call('SREM', P .. ':node:' .. node .. ':conns', id)
  if entry[1] ~= node then return nil end
  redis.call('DEL', key)
  return entry[2] or ''
end
`;

/**
 * The scripts, each one round trip. ARGV[1] is always `P`.
 *
 * Who runs a connection's `$disconnect` is decided by its directory entry: whoever
 * deletes it (the holder when the connection closes, `sbRelease`; a survivor after
 * the holder lost its liveness, `sbClaimEntry`) runs it, and each deletion is one
 * atomic script, so exactly one side does. A node id whose liveness key expired is
 * dead for good: `sbRenew` never writes it again and `sbEnter` writes no entry for
 * it, so a survivor that claimed it (`sbClaimNode`) sees every entry it will have.
 */
export const CLUSTER_SCRIPTS = {
  /**
   * ARGV: P, me, token, ttl. Renews the node's liveness if it still holds it:
   * `alive`; `taken` when another process holds the id; `expired` when the key
   * expired while Redis remembers the node (registered, or a survivor's tombstone):
   * the node must fence itself; `unknown` when Redis knows nothing of it (it lost its
   * data): the node registers again.
   */
  sbRenew: {
    numberOfKeys: 0,
    lua: `
local P, me, token = ARGV[1], ARGV[2], ARGV[3]
local key = P .. ':node:' .. me
local current = redis.call('GET', key)
if current == token then
  redis.call('SET', key, token, 'PX', ARGV[4])
  redis.call('SADD', P .. ':nodes', me)
  return 'alive'
end
if current then return 'taken' end
if redis.call('EXISTS', P .. ':dead:' .. me) == 1 or redis.call('SISMEMBER', P .. ':nodes', me) == 1 then
  return 'expired'
end
return 'unknown'`,
  },
  /**
   * ARGV: P, me, token, id, facts. Writes a connection's directory entry if the node
   * still holds its liveness: 1, else 0 (the node is dead; nobody will clean up the
   * connection but the node itself).
   */
  sbEnter: {
    numberOfKeys: 0,
    lua: `
local P, me = ARGV[1], ARGV[2]
if redis.call('GET', P .. ':node:' .. me) ~= ARGV[3] then return 0 end
redis.call('HSET', P .. ':conn:' .. ARGV[4], 'node', me, 'facts', ARGV[5])
redis.call('SADD', P .. ':node:' .. me .. ':conns', ARGV[4])
return 1`,
  },
  /**
   * ARGV: P, me, id. A connection of this node ended: 1 if this node runs its
   * `$disconnect` (it deleted the entry, or there is none and no survivor is cleaning
   * up after it: Redis lost its data), 0 if a survivor claimed it.
   */
  sbRelease: {
    numberOfKeys: 0,
    lua: `${TAKE_ENTRY}
local P, me = ARGV[1], ARGV[2]
if take(P, me, ARGV[3]) then return 1 end
if redis.call('EXISTS', P .. ':dead:' .. me) == 1 then return 0 end
return 1`,
  },
  /**
   * ARGV: P, node, me, reapTtl, deadTtl. Elects this survivor to clean up after a node
   * whose liveness key has expired, and marks the node id dead (a tombstone). 1 if
   * elected; 0 if the node is live or another survivor holds the election.
   */
  sbClaimNode: {
    numberOfKeys: 0,
    lua: `
local P, node = ARGV[1], ARGV[2]
if redis.call('EXISTS', P .. ':node:' .. node) == 1 then return 0 end
redis.call('SET', P .. ':dead:' .. node, '1', 'PX', ARGV[5])
if redis.call('SET', P .. ':reap:' .. node, ARGV[3], 'NX', 'PX', ARGV[4]) then return 1 end
return 0`,
  },
  /**
   * ARGV: P, node, id. Takes a dead node's connection: deletes its entry if it still
   * names the node and returns its facts (the survivor runs its `$disconnect`), else nil.
   */
  sbClaimEntry: {
    numberOfKeys: 0,
    lua: `${TAKE_ENTRY}
return take(ARGV[1], ARGV[2], ARGV[3]) or false`,
  },
  /** KEYS[1] = P:conn:{id} -> the holder's node id if that node is live, else nil. */
  sbLocate: {
    numberOfKeys: 1,
    lua: `
local node = redis.call('HGET', KEYS[1], 'node')
if node and redis.call('EXISTS', ARGV[1] .. ':node:' .. node) == 1 then return node end
return false`,
  },
  /** ARGV: P, me -> registered nodes whose liveness key has expired. */
  sbFindStopped: {
    numberOfKeys: 0,
    lua: `
local P, me, stopped = ARGV[1], ARGV[2], {}
for _, node in ipairs(redis.call('SMEMBERS', P .. ':nodes')) do
  if node ~= me and redis.call('EXISTS', P .. ':node:' .. node) == 0 then stopped[#stopped + 1] = node end
end
return stopped`,
  },
  /**
   * ARGV: P, me, channel, except ('' for none), topic, message. One PUBLISH; returns
   * how many members the other live nodes have, not counting `except`.
   */
  sbPublish: {
    numberOfKeys: 0,
    lua: `${FOR_EACH_LIVE_OTHER_NODE}
local except, total = ARGV[4], 0
each(function(key)
  total = total + redis.call('SCARD', key)
  if except ~= '' and redis.call('SISMEMBER', key, except) == 1 then total = total - 1 end
end)
redis.call('PUBLISH', ARGV[5], ARGV[6])
return total`,
  },
  /** ARGV: P, me, channel -> the other live nodes' members. */
  sbMembers: {
    numberOfKeys: 0,
    lua: `${FOR_EACH_LIVE_OTHER_NODE}
local ids = {}
each(function(key)
  for _, id in ipairs(redis.call('SMEMBERS', key)) do ids[#ids + 1] = id end
end)
return ids`,
  },
  /** ARGV: P, me, channel -> how many members the other live nodes have. */
  sbCount: {
    numberOfKeys: 0,
    lua: `${FOR_EACH_LIVE_OTHER_NODE}
local total = 0
each(function(key) total = total + redis.call('SCARD', key) end)
return total`,
  },
  /**
   * ARGV: P, node. Removes a node that is not live: its directory entries (those still
   * pointing at it), members sets, channel and connection sets, and registration.
   * Returns 0 without touching anything if the node's liveness key exists again.
   */
  sbForgetNode: {
    numberOfKeys: 0,
    lua: `
local P, node = ARGV[1], ARGV[2]
local base = P .. ':node:' .. node
if redis.call('EXISTS', base) == 1 then return 0 end
for _, id in ipairs(redis.call('SMEMBERS', base .. ':conns')) do
  local key = P .. ':conn:' .. id
  if redis.call('HGET', key, 'node') == node then redis.call('DEL', key) end
end
for _, channel in ipairs(redis.call('SMEMBERS', base .. ':channels')) do
  redis.call('DEL', base .. ':members:' .. channel)
end
redis.call('DEL', base .. ':conns', base .. ':channels')
redis.call('SREM', P .. ':nodes', node)
return 1`,
  },
} as const;
