/**
 * The resync notice. Redis pub/sub keeps nothing for a subscriber that is away:
 * when a node's subscriber link drops and comes back, every room event published
 * meanwhile missed the node's connections, and the node cannot tell which. It
 * tells each of its connections `{"type":"resync"}`, and each client asks for the
 * heads of its rooms at once (a `ping` with its `since`) instead of at its next
 * heartbeat (docs/protocol.md, "resync").
 *
 *   subscriber link back ─▶ topics subscribed again ─▶ resync ×N (the node's connections)
 */
import type { ResyncMessage } from '../api/protocol.ts';
import type { ChatLogger } from '../domain/chat-service.ts';
import type { ConnectionId } from '../domain/types.ts';
import type { Broadcaster } from '../ports/broadcaster.ts';

const RESYNC: ResyncMessage = { type: 'resync' };

/** Notices in flight at once: the node's own sockets, but not one promise per connection of a large node. */
const CONCURRENCY = 64;

/** Sends the notice to each connection; a failure is logged and skipped (the client's heartbeat still runs). */
export async function sendResyncNotices(
  broadcaster: Pick<Broadcaster, 'sendToConnection'>,
  connectionIds: readonly ConnectionId[],
  logger: ChatLogger,
): Promise<void> {
  for (let start = 0; start < connectionIds.length; start += CONCURRENCY) {
    await Promise.all(
      connectionIds.slice(start, start + CONCURRENCY).map((connectionId) =>
        broadcaster.sendToConnection(connectionId, RESYNC).catch((error: unknown) => {
          logger.warn({ err: error, connectionId }, 'chat: resync notice failed');
        }),
      ),
    );
  }
}
