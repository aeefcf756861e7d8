/**
 * A room's moderation log for its owner and admins (docs/protocol.md,
 * "auditLog"): who changed a role, removed (or banned) a member or a message,
 * let a banned member back in, or made the room read-only, newest first, read a page at a time. Loaded when shown, so a
 * closed dialog costs nothing. Names are rendered as text.
 */
import type { AuditEntry, RoomId } from '@switchboard/chat/api';
import { useEffect, useState } from 'react';
import { useChatClient } from './chat-context.ts';
import { LoadMore } from './load-more.tsx';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One entry as a sentence. */
export function describeEntry({ action, actor, target, detail }: AuditEntry): string {
  const whom = target?.username ?? 'someone';
  switch (action) {
    case 'memberRoleChanged':
      return detail === 'admin' ? `${actor.username} made ${whom} an admin` : `${actor.username} made ${whom} a member`;
    case 'memberRemoved':
      return detail === 'banned' ? `${actor.username} removed and banned ${whom}` : `${actor.username} removed ${whom}`;
    case 'banLifted':
      return `${actor.username} let ${whom} back in (the ban is lifted)`;
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
  const [entries, setEntries] = useState<readonly AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  function load(after?: string): void {
    setLoading(true);
    client
      .auditLog(roomId, after)
      .then(
        (page) => {
          setEntries((shown) => (after === undefined ? page.entries : [...shown, ...page.entries]));
          setCursor(page.nextCursor);
        },
        (error: Error) => client.notify(error.message),
      )
      .finally(() => setLoading(false));
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: read once per room shown; later pages on demand.
  useEffect(() => load(), [roomId]);

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
        <LoadMore
          cursor={cursor}
          loading={loading}
          label="Older entries"
          testId="audit-more"
          onLoad={() => load(cursor)}
        />
      )}
    </section>
  );
}
