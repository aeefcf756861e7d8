/**
 * A room's moderation log for its owner and admins (docs/protocol.md,
 * "auditLog"): who changed a role, removed (or banned) a member or a message,
 * banned someone or lifted a ban, or made the room read-only, newest first, read a
 * page at a time. Loaded when shown, so a closed dialog costs nothing. Names are
 * rendered as text.
 */
import type { AuditEntry, RoomId } from '@switchboard/chat/api';
import { useChatClient } from './chat-context.ts';
import { LoadMore } from './load-more.tsx';
import { usePages } from './use-pages.ts';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One entry as a sentence. */
export function describeEntry({ action, actor, target, detail }: AuditEntry): string {
  const whom = target?.username ?? 'someone';
  switch (action) {
    case 'memberRoleChanged':
      return detail === 'admin' ? `${actor.username} made ${whom} an admin` : `${actor.username} made ${whom} a member`;
    case 'memberRemoved':
      return detail === 'banned' ? `${actor.username} removed and banned ${whom}` : `${actor.username} removed ${whom}`;
    case 'userBanned':
      return `${actor.username} banned ${whom}`;
    case 'banLifted':
      return `${actor.username} lifted the ban on ${whom}`;
    case 'messageRemoved':
      return `${actor.username} removed a message by ${whom}`;
    case 'readOnlyChanged':
      return detail === 'on'
        ? `${actor.username} made the room read-only`
        : `${actor.username} opened the room to every member`;
    case 'userDeactivated':
      return `${actor.username} deactivated the account of ${whom}`;
  }
}

export function AuditLog({ roomId }: { roomId: RoomId }) {
  const client = useChatClient();
  const {
    items: entries,
    cursor,
    loading,
    more,
  } = usePages(roomId, async (after) => {
    const page = await client.admin.auditLog(roomId, after);
    return { items: page.entries, nextCursor: page.nextCursor };
  });

  return (
    <section className="audit-log" aria-label="Moderation log" data-testid="audit-log">
      {!loading && entries.length === 0 && <p className="muted">No moderation yet.</p>}
      <ol className="audit-log__entries">
        {entries.map((entry) => (
          <li key={entry.id} className="audit-log__entry" data-testid="audit-entry" data-action={entry.action}>
            <span data-testid="audit-text">{describeEntry(entry)}</span>{' '}
            <time className="muted" dateTime={new Date(entry.at).toISOString()}>
              {when.format(entry.at)}
            </time>
          </li>
        ))}
      </ol>
      {cursor !== null && (
        <LoadMore cursor={cursor} loading={loading} label="Older entries" testId="audit-more" onLoad={more} />
      )}
    </section>
  );
}
