/** A search snippet with its matches in `<mark>`: every part is a text node, never HTML. */
import type { Snippet } from '@switchboard/chat/api';
import { highlightSegments } from '../text/highlight.ts';

export function HighlightedText({ snippet }: { snippet: Snippet }) {
  return (
    <>
      {highlightSegments(snippet).map((segment, index) =>
        segment.highlighted ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are derived from the snippet and never reorder
          <mark key={index} data-testid="search-highlight">
            {segment.text}
          </mark>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: as above
          <span key={index}>{segment.text}</span>
        ),
      )}
    </>
  );
}
