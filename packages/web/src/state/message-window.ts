/**
 * Which of a room's loaded messages the list renders: a window of consecutive
 * messages, so a room with thousands of them (or a burst of thousands) costs
 * the rows around the view, not every message ever loaded.
 *
 * Rows are rendered in normal document flow with their natural heights (no
 * measuring, no absolute positions): the list keeps the reading position itself
 * when rows come and go above the view (see components/message-list.tsx). The
 * window is one of:
 *
 *   follow   the newest `rows` messages; the view sits at the bottom and new
 *            messages push old rows out
 *   range    the messages from `fromSeq` to `toSeq`, while the user reads older
 *            ones; new messages are counted (`seenSeq`) but not rendered
 *
 *   follow --user leaves the bottom (freeze)--> range --reaches the newest--> follow
 *   either --extendOlder / extendNewer at an edge (at most maxRows)--> either
 *
 * Pure functions over the message array (ascending `seq`), so it is tested
 * without a browser.
 */
import type { Message } from '@switchboard/chat/api';

export type MessageWindow =
  | { mode: 'follow'; rows: number }
  | {
      mode: 'range';
      fromSeq: number;
      toSeq: number;
      /** The newest message when the user left the bottom: later ones by others count as unseen. */
      seenSeq: number;
    };

export interface WindowLimits {
  /** Rows rendered while following the newest message (more than a tall screen holds). @default 40 */
  followRows: number;
  /** Rows added when the user reaches an edge of the window. @default 50 */
  pageRows: number;
  /** The most rows rendered at once; extending one side trims the other. @default 200 */
  maxRows: number;
}

export const defaultWindowLimits: WindowLimits = { followRows: 40, pageRows: 50, maxRows: 200 };

/** Follows the newest messages: where every room's list starts. */
export function followNewest(limits: WindowLimits = defaultWindowLimits): MessageWindow {
  return { mode: 'follow', rows: limits.followRows };
}

/** Indices `[start, end)` into `messages` of the rendered rows. */
export interface WindowRange {
  start: number;
  end: number;
}

/**
 * The rows to render. `pinnedSeq` (the focused or edited message) stays
 * rendered: while following, as long as the window stays within `maxRows`
 * (beyond that the window stops at the pinned row instead of following); in a
 * range, when it is within `maxRows` of it.
 */
export function windowRange(
  messages: readonly Message[],
  window: MessageWindow,
  pinnedSeq: number | null = null,
  limits: WindowLimits = defaultWindowLimits,
): WindowRange {
  const length = messages.length;
  if (window.mode === 'range') {
    const start = lowerBound(messages, window.fromSeq);
    const end = upperBound(messages, window.toSeq);
    // Empty when the room was reloaded with other messages: show the newest instead.
    if (end > start) return includePinned(messages, { start, end }, pinnedSeq, limits);
  }
  const start = Math.max(0, length - (window.mode === 'follow' ? window.rows : limits.followRows));
  if (pinnedSeq === null) return { start, end: length };
  const pinned = lowerBound(messages, pinnedSeq);
  if (pinned >= start || pinned >= length) return { start, end: length };
  if (length - pinned <= limits.maxRows) return { start: pinned, end: length };
  return { start: pinned, end: pinned + limits.maxRows };
}

/** The rendered range, fixed: what the list shows when the user leaves the bottom. */
export function freeze(
  messages: readonly Message[],
  window: MessageWindow,
  pinnedSeq: number | null = null,
  limits: WindowLimits = defaultWindowLimits,
): MessageWindow {
  if (window.mode === 'range') return window;
  const range = windowRange(messages, window, pinnedSeq, limits);
  return toWindow(messages, range, messages.at(-1)?.seq ?? 0, limits);
}

/**
 * Adds a page of older rows; the same window when there are none. Following
 * keeps following while it fits `maxRows`; beyond, newer rows are trimmed.
 */
export function extendOlder(
  messages: readonly Message[],
  window: MessageWindow,
  limits: WindowLimits = defaultWindowLimits,
): MessageWindow {
  const range = windowRange(messages, window, null, limits);
  if (range.start === 0) return window;
  const start = Math.max(0, range.start - limits.pageRows);
  if (window.mode === 'follow' && range.end - start <= limits.maxRows) {
    return { mode: 'follow', rows: range.end - start };
  }
  const end = Math.min(range.end, start + limits.maxRows);
  return toWindow(messages, { start, end }, seenSeqOf(messages, window), limits);
}

/**
 * Adds a page of newer rows (trimming older ones beyond `maxRows`); reaching
 * the newest message follows again, keeping the rows already rendered.
 */
export function extendNewer(
  messages: readonly Message[],
  window: MessageWindow,
  limits: WindowLimits = defaultWindowLimits,
): MessageWindow {
  if (window.mode === 'follow') return window;
  const range = windowRange(messages, window, null, limits);
  const end = Math.min(messages.length, range.end + limits.pageRows);
  const start = Math.max(range.start, end - limits.maxRows);
  if (end === messages.length) return { mode: 'follow', rows: Math.max(limits.followRows, end - start) };
  return toWindow(messages, { start, end }, window.seenSeq, limits);
}

/** A window centred on the message with `seq` (a jump to a search result). */
export function around(
  messages: readonly Message[],
  seq: number,
  limits: WindowLimits = defaultWindowLimits,
): MessageWindow {
  const index = lowerBound(messages, seq);
  const half = Math.floor(limits.pageRows / 2);
  const start = Math.max(0, index - half);
  const end = Math.min(messages.length, index + half + 1);
  return toWindow(messages, { start, end }, messages.at(-1)?.seq ?? 0, limits);
}

/** Messages after the window's `seenSeq` written by someone else: the "new messages" count. */
export function unseenCount(messages: readonly Message[], window: MessageWindow, myId: string | null): number {
  if (window.mode === 'follow') return 0;
  let count = 0;
  for (let index = messages.length - 1; index >= 0 && messages[index]!.seq > window.seenSeq; index--) {
    const message = messages[index]!;
    if (message.authorId !== myId && message.deletedAt === null) count += 1;
  }
  return count;
}

/** The index of the first message with `seq >= value`. */
export function lowerBound(messages: readonly Message[], value: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (messages[middle]!.seq < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The index after the last message with `seq <= value`. */
function upperBound(messages: readonly Message[], value: number): number {
  return lowerBound(messages, value + 1);
}

function includePinned(
  messages: readonly Message[],
  range: WindowRange,
  pinnedSeq: number | null,
  limits: WindowLimits,
): WindowRange {
  if (pinnedSeq === null) return range;
  const pinned = lowerBound(messages, pinnedSeq);
  if (pinned >= messages.length || messages[pinned]!.seq !== pinnedSeq) return range;
  // A row the user scrolled far away from is let go (its focus goes with it): the view wins.
  const start = Math.min(range.start, pinned);
  const end = Math.max(range.end, pinned + 1);
  return end - start <= limits.maxRows ? { start, end } : range;
}

function toWindow(
  messages: readonly Message[],
  range: WindowRange,
  seenSeq: number,
  limits: WindowLimits,
): MessageWindow {
  if (range.end <= range.start) return followNewest(limits);
  return { mode: 'range', fromSeq: messages[range.start]!.seq, toSeq: messages[range.end - 1]!.seq, seenSeq };
}

function seenSeqOf(messages: readonly Message[], window: MessageWindow): number {
  return window.mode === 'range' ? window.seenSeq : (messages.at(-1)?.seq ?? 0);
}
