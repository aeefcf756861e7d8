/**
 * The clean-up after a node whose liveness key expired without a drain (killed,
 * crashed, stalled, cut off from Redis): one survivor, elected with a script, runs
 * `$disconnect` for each of its connections (1006, with the facts stored in the
 * directory), at most `reapConcurrency` at a time, and removes its keys.
 *
 *   stopped node found by the heartbeat ─▶ sbClaimNode (tombstone + election)
 *     ─▶ its connection ids ─▶ reapConcurrency lanes: sbClaimEntry(id) ─▶ $disconnect, awaited
 *     ─▶ sbForgetNode
 *
 * Each entry is taken with one atomic script, as the dead node itself takes the
 * entries of connections it closes when it fences itself: every connection gets
 * its `$disconnect` from exactly one side. A survivor that dies mid-way loses at
 * most the `$disconnect`s it has claimed and not yet run (at most reapConcurrency);
 * another survivor takes over the rest once the election lapses.
 */
import type { ChainableCommander } from 'ioredis';
import type { CloseCause } from '../connection.ts';
import type { ConnectionFacts } from '../events.ts';
import { type ClusterContext, execChecked, type Scripted } from './cluster-redis.ts';

/** How long survivors remember that a node id is dead (its tombstone). */
const DEAD_NODE_MEMORY_MS = 24 * 60 * 60 * 1000;

/** The `$disconnect` cause of a connection whose node lost its liveness, on whichever side runs it. */
export function lostConnectionCause(node: string): CloseCause {
  return { code: 1006, reason: `Connection lost: gateway node ${node} stopped` };
}

export class Reaper {
  readonly #context: ClusterContext;
  /** Runs one `$disconnect`; resolves when its handler has finished. */
  readonly #onConnectionLost: (facts: ConnectionFacts, cause: CloseCause) => Promise<void>;

  constructor(context: ClusterContext, onConnectionLost: (facts: ConnectionFacts, cause: CloseCause) => Promise<void>) {
    this.#context = context;
    this.#onConnectionLost = onConnectionLost;
  }

  /** Cleans up after a stopped node, if this node wins the election for it. */
  async reap(node: string): Promise<void> {
    const { keys, commands, nodeId, options, logger } = this.#context;
    const electionMs = options.nodeTtlMs * 2;
    const elected = await commands.sbClaimNode(keys.prefix, node, nodeId, electionMs, DEAD_NODE_MEMORY_MS);
    if (elected !== 1) return;
    const ids = await commands.smembers(keys.conns(node));
    const cause = lostConnectionCause(node);
    let next = 0;
    let reaped = 0;
    let electionRenewedAt = Date.now();
    const lane = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        const facts = await commands.sbClaimEntry(keys.prefix, node, id);
        if (!facts) continue;
        reaped++;
        await this.#onConnectionLost(JSON.parse(facts) as ConnectionFacts, cause);
        // A long clean-up keeps its election, so no second survivor doubles the concurrency.
        if (Date.now() - electionRenewedAt > options.nodeTtlMs) {
          electionRenewedAt = Date.now();
          await commands.pexpire(keys.reap(node), electionMs);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.reapConcurrency, ids.length) }, lane));
    await execChecked((commands.pipeline() as Scripted<ChainableCommander>).sbForgetNode(keys.prefix, node));
    logger.warn(
      { node, connections: reaped },
      'cluster: a node lost its liveness; ran $disconnect for its connections',
    );
  }
}
