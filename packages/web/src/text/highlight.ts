/**
 * Splits a search snippet into plain and highlighted segments from its
 * `[start, end)` ranges (docs/protocol.md, "search"). The UI renders each
 * segment as a text node, so nothing in a message is ever parsed as HTML.
 */
import type { Snippet } from '@switchboard/chat/api';

export interface Segment {
  text: string;
  highlighted: boolean;
}

/** Ranges outside the text, overlapping or unsorted are clamped and skipped rather than trusted. */
export function highlightSegments(snippet: Snippet): Segment[] {
  const { text } = snippet;
  const segments: Segment[] = [];
  let cursor = 0;
  for (const [rawStart, rawEnd] of snippet.highlights) {
    const start = Math.max(cursor, Math.min(rawStart, text.length));
    const end = Math.max(start, Math.min(rawEnd, text.length));
    if (end === start) continue;
    if (start > cursor) segments.push({ text: text.slice(cursor, start), highlighted: false });
    segments.push({ text: text.slice(start, end), highlighted: true });
    cursor = end;
  }
  if (cursor < text.length) segments.push({ text: text.slice(cursor), highlighted: false });
  return segments;
}
