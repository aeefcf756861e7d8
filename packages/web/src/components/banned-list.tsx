/**
 * A room's bans for its owner and admins (docs/protocol.md, "bans"): who is kept
 * out and since when, by name, each with "Unban" (they may join again; they are
 * not added), and a field to ban someone by username: also someone who left or
 * never joined (a member is removed too). Loaded when shown, read a page at a
 * time. Names are rendered as text.
 */
import type { RoomBan, RoomId } from '@switchboard/chat/api';
import { type FormEvent, useState } from 'react';
import { useChatClient } from './chat-context.ts';
import { LoadMore } from './load-more.tsx';
import { usePages } from './use-pages.ts';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function BannedList({ roomId }: { roomId: RoomId }) {
  const client = useChatClient();
  const [username, setUsername] = useState('');
  const { items, cursor, loading, more, remove, reload } = usePages<RoomBan>(roomId, async (after) => {
    const page = await client.admin.bans(roomId, after);
    return { items: page.bans, nextCursor: page.nextCursor };
  });
  const bans = [...items].sort((a, b) => a.user.username.localeCompare(b.user.username));

  function unban(userId: string): void {
    client.admin.unban(roomId, userId).then(
      () => remove(({ user }) => user.id !== userId),
      (error: Error) => client.notify(error.message),
    );
  }

  function ban(event: FormEvent): void {
    event.preventDefault();
    client.admin.ban(roomId, username).then(
      () => {
        setUsername('');
        reload();
      },
      (error: Error) => client.notify(error.message),
    );
  }

  return (
    <section className="audit-log" aria-label="Banned" data-testid="banned-list">
      <form className="inline-form" onSubmit={ban}>
        <input
          aria-label="Username to ban"
          placeholder="Ban by username"
          value={username}
          maxLength={64}
          autoComplete="off"
          data-testid="ban-username"
          onChange={(change) => setUsername(change.target.value)}
        />
        <button
          type="submit"
          className="button button--small"
          disabled={username.trim() === ''}
          data-testid="ban-submit"
        >
          Ban
        </button>
      </form>
      {!loading && bans.length === 0 && <p className="muted">Nobody is banned.</p>}
      <ul className="audit-log__entries">
        {bans.map(({ user, bannedAt }) => (
          <li key={user.id} className="audit-log__entry banned__entry" data-testid="ban" data-username={user.username}>
            <span>
              {user.username}{' '}
              <time className="muted" dateTime={new Date(bannedAt).toISOString()}>
                since {when.format(bannedAt)}
              </time>
            </span>
            <button
              type="button"
              className="button button--small button--ghost"
              data-testid="unban"
              onClick={() => unban(user.id)}
            >
              Unban
            </button>
          </li>
        ))}
      </ul>
      {cursor !== null && (
        <LoadMore cursor={cursor} loading={loading} label="More bans" testId="bans-more" onLoad={more} />
      )}
    </section>
  );
}
