/**
 * The room's messages, windowed (state/message-window.ts): only the rows around
 * the view are rendered, so a burst of thousands of messages costs a bounded
 * number of rows per frame. The list follows new messages while the user is at
 * the bottom, keeps the reading position when rows are added or trimmed above
 * the view (it anchors on a visible row), adds older rows (and reads older
 * history) near the top, counts messages that arrive while scrolled up, and
 * scrolls to a search result when asked.
 *
 * Keyboard: with the list or a message focused, Arrow Up and Down move between
 * messages (rendering more rows, or reading older history, at the window's
 * edges), Home and End go to the first rendered and the newest message, Escape
 * goes back to the composer. The focused message stays rendered while the
 * window moves (it is pinned), so focus is not lost to a trimmed row.
 */
import type { Message, RoomSummary } from '@switchboard/chat/api';
import { type KeyboardEvent, useDeferredValue, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import {
  around,
  extendNewer,
  extendOlder,
  followNewest,
  freeze,
  lowerBound,
  type MessageWindow,
  unseenCount,
  windowRange,
} from '../state/message-window.ts';
import { threadUnread } from '../state/thread-panel.ts';
import { emptyTimeline } from '../state/timeline.ts';
import { useChat, useChatClient } from './chat-context.ts';
import { useComposerFocus } from './composer-focus.ts';
import { MessageItem } from './message-item.tsx';
import { hasModifier } from './modifier-keys.ts';
import { PendingItem } from './pending-item.tsx';

/** Within this distance of an edge counts as at it. */
const edgePx = 80;
/** Consecutive messages of one author within this time share one header. */
const groupMs = 5 * 60 * 1000;

/** A rendered row and its distance from the top of the scroller, to put it back after the rows change. */
interface Anchor {
  id: string;
  top: number;
}

/** A message to scroll to and focus once it is rendered. */
interface FocusTarget {
  id: string;
  block: ScrollLogicalPosition;
}

export function MessageList({ room }: { room: RoomSummary }) {
  const client = useChatClient();
  // Rendering new rows is deferred (a transition React can interrupt and slice), so keys typed
  // into the composer during a burst are handled between the slices instead of after them.
  const timeline = useDeferredValue(useChat((state) => state.timelines[room.id] ?? emptyTimeline));
  const pending = useChat((state) => state.pending);
  const me = useChat((state) => state.me);
  const focus = useChat((state) => state.focus);
  const editing = useChat((state) => state.editing);
  const threadReads = useChat((state) => state.threadReads);
  const newSince = useChat((state) => (state.newSince?.roomId === room.id ? state.newSince.afterSeq : null));
  const composer = useComposerFocus();
  const [view, setView] = useState<MessageWindow>(followNewest);
  const [flashId, setFlashId] = useState<string | null>(null);
  const [focusedSeq, setFocusedSeq] = useState<number | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = useRef<Anchor | null>(null);
  /** The view was at the bottom when last seen (new rows keep it there). */
  const atBottom = useRef(true);
  const focusTarget = useRef<FocusTarget | null>(null);
  /** The `nonce` of the last jump handled. */
  const jumped = useRef(0);
  const hintId = useId();
  const { messages } = timeline;
  const editingSeq =
    editing === null || editing.from === 'thread'
      ? null
      : (messages.find((message) => message.id === editing.messageId)?.seq ?? null);
  const pinnedSeq = editingSeq ?? focusedSeq;
  const range = windowRange(messages, view, pinnedSeq);
  const atNewest = range.end === messages.length;
  const following = view.mode === 'follow' && atNewest;
  const mine = atNewest ? pending.filter((send) => send.roomId === room.id) : [];
  const unseen = unseenCount(messages, view, me?.id ?? null);
  // The first message someone else wrote after the read marker the room was opened with.
  const firstNewId =
    newSince === null
      ? null
      : (messages.find((message) => message.seq > newSince && message.authorId !== me?.id)?.id ?? null);

  // Before paint: stay at the bottom while following, else keep the anchored row where it was.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const wanted = focusTarget.current;
    const target = wanted === null ? null : rowOf(element, wanted.id);
    if (wanted !== null && target !== null) {
      focusTarget.current = null;
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: wanted.block });
      noteScroll();
    } else if (following && atBottom.current) {
      element.scrollTop = element.scrollHeight;
    } else if (anchor.current !== null) {
      const row = rowOf(element, anchor.current.id);
      if (row !== null) element.scrollTop += offsetIn(element, row) - anchor.current.top;
    }
    anchor.current = firstVisibleRow(element);
  });

  // Near the top (or too few rows to scroll): add older rows, or read older history once all are shown
  // (not again by itself after a read that failed: that waits for the user, or it would repeat at once).
  useEffect(() => {
    const element = scroller.current;
    if (element === null || !timeline.historyLoaded || timeline.loading) return;
    const short = element.scrollHeight <= element.clientHeight + edgePx;
    if (!short && (following || element.scrollTop >= edgePx)) return;
    if (range.start > 0) setView((current) => extendOlder(messages, current));
    else if (timeline.hasMore && !timeline.failed) client.loadOlder(room.id).catch(() => {});
  }, [client, room.id, timeline, messages, range.start, following]);

  // A jump to a search result: render the rows around it, then scroll to it and focus it (once per jump).
  useEffect(() => {
    if (focus === null || focus.roomId !== room.id || focus.nonce === jumped.current) return;
    const target = messages.find((message) => message.id === focus.messageId);
    if (target === undefined) return;
    jumped.current = focus.nonce;
    focusTarget.current = { id: target.id, block: 'center' };
    setView(around(messages, target.seq));
    setFlashId(target.id);
  }, [focus, room.id, messages]);

  useEffect(() => {
    if (flashId === null) return;
    const timer = setTimeout(() => setFlashId(null), 2500);
    return () => clearTimeout(timer);
  }, [flashId]);

  /** Takes a new scroll position into account: the anchor, following or not, rows to add at an edge. */
  function noteScroll(): void {
    const element = scroller.current!;
    anchor.current = firstVisibleRow(element);
    const nearBottom = element.scrollHeight - element.scrollTop - element.clientHeight < edgePx;
    atBottom.current = nearBottom;
    let next = view;
    if (next.mode === 'follow' && !nearBottom) next = freeze(messages, next, editingSeq);
    else if (next.mode === 'range' && nearBottom) next = extendNewer(messages, next);
    if (element.scrollTop < edgePx) {
      if (range.start > 0) next = extendOlder(messages, next);
      else if (timeline.hasMore && !timeline.loading) client.loadOlder(room.id).catch(() => {});
    }
    if (next !== view) setView(next);
  }

  function jumpToLatest(): void {
    atBottom.current = true;
    setView(followNewest());
  }

  /** Focuses the message at `index` of the timeline, rendering it first if it is outside the window. */
  function focusMessage(index: number): void {
    const message = messages[index];
    if (message === undefined) return;
    const row = index >= range.start && index < range.end ? rowOf(scroller.current!, message.id) : null;
    if (row !== null) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: 'nearest' });
      noteScroll();
      return;
    }
    focusTarget.current = { id: message.id, block: 'nearest' };
    setView(index < range.start ? extendOlder(messages, view) : extendNewer(messages, view));
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (hasModifier(event)) return;
    const target = event.target as HTMLElement;
    const onRow = target.dataset.messageId !== undefined;
    if (!onRow && target !== event.currentTarget) return;
    const index = onRow ? lowerBound(messages, Number(target.dataset.seq)) : -1;
    const visible = visibleRows(scroller.current!);
    switch (event.key) {
      case 'ArrowUp': {
        const previous = onRow ? index - 1 : lowerBound(messages, visible.last);
        if (previous >= 0) focusMessage(previous);
        else if (timeline.hasMore && !timeline.loading) client.loadOlder(room.id).catch(() => {});
        break;
      }
      case 'ArrowDown':
        if (onRow && index + 1 >= messages.length) composer.focus();
        else focusMessage(onRow ? index + 1 : lowerBound(messages, visible.first));
        break;
      case 'Home':
        focusMessage(range.start);
        break;
      case 'End': {
        const newest = messages.at(-1);
        if (newest === undefined) return;
        atBottom.current = true;
        focusTarget.current = { id: newest.id, block: 'end' };
        setView(followNewest());
        break;
      }
      case 'Escape':
        composer.focus();
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  return (
    <div className="messages">
      <div
        ref={scroller}
        className="messages__scroll"
        role="log"
        aria-label={`Messages in ${room.name ?? room.peer?.username ?? 'conversation'}`}
        aria-busy={timeline.loading}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls with the keyboard when focused
        tabIndex={0}
        data-testid="message-list"
        data-loaded={messages.length}
        aria-describedby={hintId}
        aria-keyshortcuts="ArrowUp ArrowDown Home End Escape"
        onScroll={noteScroll}
        onKeyDown={onKeyDown}
        onFocus={(event) => {
          const row = (event.target as HTMLElement).closest<HTMLElement>('[data-message-id]');
          setFocusedSeq(row === null ? null : Number(row.dataset.seq));
        }}
        onBlur={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFocusedSeq(null);
        }}
      >
        <span id={hintId} className="visually-hidden">
          Arrow keys move between messages. On your own message, Enter edits it and Delete deletes it. T opens a
          message's thread. Escape goes back to the message box.
        </span>
        <div className="messages__start">
          {timeline.loading && <span className="muted">Loading…</span>}
          {range.start === 0 && timeline.failed && !timeline.loading && (
            <span className="muted" data-testid="history-failed">
              Older messages could not be loaded.{' '}
              <button
                type="button"
                className="button button--small button--ghost"
                onClick={() => client.loadOlder(room.id).catch(() => {})}
              >
                Try again
              </button>
            </span>
          )}
          {range.start === 0 && timeline.historyLoaded && !timeline.hasMore && !timeline.loading && (
            <span className="muted" data-testid="history-start">
              This is the beginning of {room.name === null ? 'your conversation' : `#${room.name}`}.
            </span>
          )}
        </div>
        <ol className="messages__items">
          {messages.slice(range.start, range.end).map((message, offset) => {
            const previous = messages[range.start + offset - 1];
            return (
              <MessageItem
                key={message.id}
                message={message}
                own={message.authorId === me?.id}
                moderator={room.role !== 'member'}
                grouped={continues(previous, message)}
                dayChanged={dayChanged(previous, message)}
                editing={editing?.messageId === message.id && editing.from !== 'thread' ? editing.from : null}
                flash={flashId === message.id}
                firstNew={firstNewId === message.id}
                threadUnread={threadUnread(message, threadReads, me?.id)}
              />
            );
          })}
          {mine.map((send) => (
            <PendingItem key={send.clientMessageId} pending={send} username={me?.username ?? ''} />
          ))}
        </ol>
      </div>
      <div className="messages__unseen" aria-live="polite" data-testid="unseen-count">
        {unseen > 0 && (
          <button type="button" className="button button--small button--primary" onClick={jumpToLatest}>
            {unseen} new {unseen === 1 ? 'message' : 'messages'} ↓
          </button>
        )}
      </div>
    </div>
  );
}

function rowOf(scroller: HTMLElement, messageId: string): HTMLElement | null {
  return scroller.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(messageId)}"]`);
}

/** The row's top edge relative to the scroller's visible top. */
function offsetIn(scroller: HTMLElement, row: HTMLElement): number {
  return row.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
}

/** The `seq` of the first and last message rows in view (both 0 without rows). */
function visibleRows(scroller: HTMLElement): { first: number; last: number } {
  const { top, bottom } = scroller.getBoundingClientRect();
  let first = 0;
  let last = 0;
  for (const row of scroller.querySelectorAll<HTMLElement>('[data-message-id]')) {
    const rect = row.getBoundingClientRect();
    if (rect.bottom <= top || rect.top >= bottom) continue;
    if (first === 0) first = Number(row.dataset.seq);
    last = Number(row.dataset.seq);
  }
  return { first, last };
}

/** The first message row that reaches into the visible area. */
function firstVisibleRow(scroller: HTMLElement): Anchor | null {
  const top = scroller.getBoundingClientRect().top;
  for (const row of scroller.querySelectorAll<HTMLElement>('[data-message-id]')) {
    const rect = row.getBoundingClientRect();
    if (rect.bottom > top) return { id: row.dataset.messageId!, top: rect.top - top };
  }
  return null;
}

function continues(previous: Message | undefined, message: Message): boolean {
  return (
    previous !== undefined &&
    previous.authorId === message.authorId &&
    message.createdAt - previous.createdAt < groupMs &&
    !dayChanged(previous, message)
  );
}

function dayChanged(previous: Message | undefined, message: Message): boolean {
  return (
    previous === undefined || new Date(previous.createdAt).toDateString() !== new Date(message.createdAt).toDateString()
  );
}
