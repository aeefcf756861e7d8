/**
 * Cluster mode: forgets connection records that no node holds any more.
 *
 * When a node dies, a surviving node's gateway fires `$disconnect` for each of
 * its connections, and the chat's disconnect handler removes them. Nobody does
 * that when every node stopped at once, or when Redis lost the connection
 * directory: those records would keep their users "online" for ever. So each
 * node, at start and then every few minutes, asks the cluster-wide
 * `@connections` API about the records and disconnects those that answer 410.
 * A single node instead clears every record at start (its sockets died with
 * the previous process).
 *
 * Records younger than `minAgeMs` are left alone: a connection is recorded in
 * `$connect`, before its handshake completes, and until then `@connections`
 * already answers 410 for it (spec 1.6).
 */
import { isGone } from '../broadcast/connection-poster.ts';
import type { ConnectionId, User } from '../domain/types.ts';
import type { ChatStore, UserKey } from '../ports/chat-store.ts';

/** Online users read per round trip. */
const SWEEP_PAGE = 500;

export interface StaleConnectionSweepOptions {
  store: Pick<ChatStore, 'listOnlineUsers' | 'listUserConnections'>;
  /** Resolves when the connection exists on some node; rejects with `GoneException` when it does not. */
  getConnection(input: { ConnectionId: string }): Promise<unknown>;
  /** What `$disconnect` does: remove the record and announce the user offline when it was their last. */
  disconnect(connectionId: ConnectionId): Promise<void>;
  /** Leave records younger than this. @default 60000 (longer than `$connect` may run, 29 s) */
  minAgeMs?: number;
  now?: () => number;
}

/** One pass over every recorded connection; resolves with how many were stale. */
export async function sweepStaleConnections(options: StaleConnectionSweepOptions): Promise<number> {
  const { store, now = Date.now } = options;
  const cutoff = now() - (options.minAgeMs ?? 60_000);
  let removed = 0;
  // A page at a time: the users who are online, by username.
  for (let after: UserKey | undefined, users: User[]; ; after = users.at(-1)) {
    users = await store.listOnlineUsers({ ...(after && { after }), limit: SWEEP_PAGE });
    for (const user of users) {
      for (const connection of await store.listUserConnections(user.id)) {
        if (connection.connectedAt > cutoff) continue;
        try {
          await options.getConnection({ ConnectionId: connection.connectionId });
        } catch (error) {
          if (!isGone(error)) throw error;
          await options.disconnect(connection.connectionId);
          removed++;
        }
      }
    }
    if (users.length < SWEEP_PAGE) return removed;
  }
}
