/**
 * Starts a conversation with anyone, online or not (a native `<dialog>`: focus
 * is kept inside, Escape closes). Without a query it offers who is online; typing
 * looks people up by the start of their name (`findUsers`, at most every 250 ms,
 * in pages of 20 read on as the list is scrolled). Picking one person opens a
 * direct conversation, picking 2 to 7 a group conversation.
 */
import type { UserSummary } from '@switchboard/chat/api';
import { type FormEvent, type Ref, useEffect, useId, useImperativeHandle, useRef, useState } from 'react';
import { useChat, useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';
import { LoadMore } from './load-more.tsx';
import { PersonOption } from './person-option.tsx';
import { maxOthers, usePeopleSelection } from './use-people-selection.ts';

export interface NewConversationHandle {
  open: () => void;
}

interface NewConversationProps {
  ref: Ref<NewConversationHandle>;
  onNavigate: () => void;
}

/** Lookups wait this long after the last keystroke. */
const lookupDelayMs = 250;

interface Found {
  query: string;
  users: readonly UserSummary[];
  nextCursor: string | null;
}

export function NewConversation({ ref, onNavigate }: NewConversationProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const me = useChat((state) => state.me);
  const online = useChat((state) => state.online);
  const selection = usePeopleSelection();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Tells the answer to an earlier query (or opening) apart. */
  const asked = useRef(0);
  const id = useId();

  useImperativeHandle(ref, () => ({
    open: () => {
      asked.current += 1;
      selection.clear();
      setQuery('');
      setFound(null);
      setError(null);
      dialog.current?.showModal();
      // Typing a name is the first thing to do (the dialog would focus its close button).
      search.current?.focus();
    },
  }));

  function read(text: string, cursor?: string): void {
    const current = ++asked.current;
    setLoading(true);
    client.findUsers(text, cursor).then(
      (page) => {
        if (current !== asked.current) return;
        setFound((shown) => ({
          query: text,
          users: [...(cursor === undefined || shown === null ? [] : shown.users), ...page.users],
          nextCursor: page.nextCursor,
        }));
        setLoading(false);
      },
      (failure: Error) => {
        if (current !== asked.current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
  }

  const trimmed = query.trim();
  // `read` is recreated each render; the query alone decides when to look up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see the line above
  useEffect(() => {
    if (trimmed === '') {
      asked.current += 1;
      setFound(null);
      return;
    }
    const timer = setTimeout(() => read(trimmed), lookupDelayMs);
    return () => clearTimeout(timer);
  }, [trimmed]);

  function start(event: FormEvent): void {
    event.preventDefault();
    if (!selection.canStart) return;
    setError(null);
    selection.start().then(
      () => {
        dialog.current?.close();
        onNavigate();
      },
      (failure: Error) => setError(failure.message),
    );
  }

  const onlineIds = new Set(online.map((user) => user.id));
  const people = (trimmed === '' ? online : (found?.users ?? [])).filter((user) => user.id !== me?.id);
  const picked = selection.selected;

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="new-conversation">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        New conversation
      </DialogHeader>
      <form onSubmit={start}>
        <label htmlFor={`${id}-query`} className="visually-hidden">
          Find people by name
        </label>
        <input
          ref={search}
          id={`${id}-query`}
          className="people-search"
          data-testid="people-search"
          type="search"
          placeholder="Find people by name"
          autoComplete="off"
          maxLength={25}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        {picked.length > 0 && (
          <ul className="people-picked" aria-label="Picked" data-testid="people-picked">
            {picked.map((user) => (
              <li key={user.id}>
                <button
                  type="button"
                  className="tag people-picked__chip"
                  aria-label={`Remove ${user.username}`}
                  onClick={() => selection.toggle(user)}
                >
                  {user.username} ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <p className="muted people-hint" id={`${id}-hint`}>
          {trimmed === '' ? 'Online now. ' : ''}Pick one person for a direct message, or up to {maxOthers} for a group.
        </p>
        <ul className="directory" aria-describedby={`${id}-hint`} data-testid="people-options">
          {people.map((user) => (
            <PersonOption
              key={user.id}
              user={user}
              checked={selection.isSelected(user.id)}
              online={onlineIds.has(user.id)}
              onToggle={() => selection.toggle(user)}
            />
          ))}
          {trimmed !== '' && found !== null && found.query === trimmed && people.length === 0 && (
            <li className="directory__item muted" data-testid="people-none">
              Nobody’s name starts with “{trimmed}”.
            </li>
          )}
          {trimmed !== '' && found?.nextCursor != null && (
            <li className="directory__more">
              <LoadMore
                cursor={found.nextCursor}
                loading={loading}
                label="More people"
                testId="people-more"
                onLoad={() => read(found.query, found.nextCursor ?? undefined)}
              />
            </li>
          )}
        </ul>
        <div className="form-error" role="alert">
          {error}
        </div>
        <div className="dialog__actions">
          <button
            type="submit"
            className="button button--primary"
            data-testid="start-conversation"
            disabled={!selection.canStart}
          >
            {selection.action}
          </button>
        </div>
      </form>
    </dialog>
  );
}
