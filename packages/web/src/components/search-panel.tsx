/**
 * Full-text search over every room and conversation the user can read. Results
 * show highlighted snippets; choosing one opens its room at that message.
 */
import type { SearchResult } from '@switchboard/chat/api';
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';
import { HighlightedText } from './highlighted-text.tsx';

const debounceMs = 250;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

interface SearchPanelProps {
  onClose: () => void;
  /** A result was opened (its message has focus). */
  onOpened: () => void;
}

/**
 * Keyboard: the query box takes focus; Arrow Down moves to the results and
 * Arrow Up/Down between them, Enter opens one, Escape closes the panel.
 */
export function SearchPanel({ onClose, onOpened }: SearchPanelProps) {
  const client = useChatClient();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<readonly SearchResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const id = useId();

  const run = useCallback(
    async (text: string): Promise<void> => {
      const ticket = ++latest.current;
      if (!/[\p{L}\p{N}]/u.test(text)) {
        setResults(null);
        setError(null);
        return;
      }
      try {
        const found = await client.search(text);
        if (ticket === latest.current) {
          setResults(found);
          setError(null);
        }
      } catch (failure) {
        if (ticket === latest.current) setError((failure as Error).message);
      }
    },
    [client],
  );

  useEffect(() => {
    const timer = setTimeout(() => void run(query), debounceMs);
    return () => clearTimeout(timer);
  }, [query, run]);

  function submit(event: FormEvent): void {
    event.preventDefault();
    void run(query);
  }

  function onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !event.altKey) {
      const stops = [
        ...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('input[type="search"], .search-result'),
      ];
      const at = stops.indexOf(event.target as HTMLElement);
      const next = stops[at + (event.key === 'ArrowDown' ? 1 : -1)];
      if (at === -1 || next === undefined) return;
      event.preventDefault();
      next.focus();
    }
  }

  return (
    <aside className="search-panel" aria-labelledby={`${id}-title`} data-testid="search-panel" onKeyDown={onKeyDown}>
      <div className="search-panel__header">
        <h2 id={`${id}-title`}>Search</h2>
        <button type="button" className="icon-button" aria-label="Close search" onClick={onClose}>
          ×
        </button>
      </div>
      <search>
        <form onSubmit={submit}>
          <label htmlFor={`${id}-query`} className="visually-hidden">
            Search messages
          </label>
          <input
            id={`${id}-query`}
            type="search"
            data-testid="search-input"
            placeholder="Search messages"
            // biome-ignore lint/a11y/noAutofocus: the panel opens to be typed in
            autoFocus
            maxLength={200}
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </form>
      </search>
      <div className="form-error" role="alert">
        {error}
      </div>
      <div aria-live="polite" className="visually-hidden">
        {results !== null && `${results.length} ${results.length === 1 ? 'result' : 'results'}`}
      </div>
      {results !== null && results.length === 0 && <p className="muted search-panel__empty">No messages match.</p>}
      <ul className="search-results">
        {results?.map((result) => (
          <li key={result.message.id}>
            <button
              type="button"
              className="search-result"
              data-testid="search-result"
              onClick={() => client.jumpTo(result).then(onOpened, (failure: Error) => client.notify(failure.message))}
            >
              <span className="search-result__meta">
                <strong>
                  {result.roomKind === 'room' ? '#' : '@'}
                  {result.roomName}
                </strong>
                <span>{result.message.authorName}</span>
                <time dateTime={new Date(result.message.createdAt).toISOString()}>
                  {when.format(new Date(result.message.createdAt))}
                </time>
              </span>
              <span className="search-result__snippet">
                <HighlightedText snippet={result.snippet} />
              </span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
