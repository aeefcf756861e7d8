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

export function SearchPanel({ onClose }: { onClose: () => void }) {
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
              onClick={() => client.jumpTo(result).catch((failure: Error) => client.notify(failure.message))}
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
