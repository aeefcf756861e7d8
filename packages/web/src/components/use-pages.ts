/**
 * A list the server sends in pages, read when a component shows it: the first
 * page when `key` changes, later ones on demand (`more`, for LoadMore). A page
 * that fails is reported and can be asked for again.
 */
import { useEffect, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';

export interface Page<T> {
  items: readonly T[];
  nextCursor: string | null;
}

export interface Pages<T> {
  items: readonly T[];
  /** The next page's cursor; `null` once every page is shown. */
  cursor: string | null;
  loading: boolean;
  more: () => void;
  /** Reads the first page again (e.g. after the viewer added to the list). */
  reload: () => void;
  /** Drops shown items (e.g. one the viewer just removed). */
  remove: (keep: (item: T) => boolean) => void;
}

export function usePages<T>(key: string, readPage: (cursor?: string) => Promise<Page<T>>): Pages<T> {
  const client = useChatClient();
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const read = useRef(readPage);
  read.current = readPage;

  function load(after?: string): void {
    setLoading(true);
    read
      .current(after)
      .then(
        (page) => {
          setItems((shown) => (after === undefined ? page.items : [...shown, ...page.items]));
          setCursor(page.nextCursor);
        },
        (error: Error) => client.notify(error.message),
      )
      .finally(() => setLoading(false));
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: read once per list shown; later pages on demand.
  useEffect(() => load(), [key]);

  return {
    items,
    cursor,
    loading,
    more: () => cursor !== null && load(cursor),
    reload: () => load(),
    remove: (keep) => setItems((shown) => shown.filter(keep)),
  };
}
