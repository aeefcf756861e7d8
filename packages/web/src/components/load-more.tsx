/**
 * The end of a list that the server sends in pages: reads the next page by
 * itself when it scrolls into view (once per cursor, so a page that fails is not
 * asked for in a loop), and is a button for the keyboard and for trying again.
 * Shown only while more follow.
 */
import { useCallback, useEffect, useRef } from 'react';

interface LoadMoreProps {
  /** The next page's cursor. */
  cursor: string;
  /** Reads the next page; not called again while `loading`. */
  onLoad: () => void;
  loading: boolean;
  /** The button's text, e.g. "More rooms". */
  label: string;
  testId: string;
}

export function LoadMore({ cursor, onLoad, loading, label, testId }: LoadMoreProps) {
  const button = useRef<HTMLButtonElement>(null);
  const load = useRef(onLoad);
  load.current = onLoad;
  const autoLoaded = useRef<string | null>(null);
  /**
   * Set as a read starts, before `loading` reaches this render: a click and the
   * observer in the same moment would otherwise both read the page (and show it twice).
   */
  const reading = useRef(false);
  useEffect(() => {
    reading.current = loading;
  }, [loading]);
  const start = useCallback(() => {
    if (reading.current) return;
    reading.current = true;
    load.current();
  }, []);

  useEffect(() => {
    const element = button.current;
    if (element === null || loading || autoLoaded.current === cursor || typeof IntersectionObserver !== 'function') {
      return;
    }
    // A fresh observer for each page: when the new end is still in view, it reads on.
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting) || autoLoaded.current === cursor) return;
      autoLoaded.current = cursor;
      start();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [cursor, loading, start]);

  return (
    <button
      ref={button}
      type="button"
      className="button button--small button--ghost load-more"
      data-testid={testId}
      aria-busy={loading}
      // Not `disabled`: a focused button would lose focus while its page loads.
      aria-disabled={loading}
      onClick={() => {
        if (!loading) start();
      }}
    >
      {loading ? 'Loading…' : label}
    </button>
  );
}
