/**
 * The room's messages. Keeps the view at the bottom while the user is there,
 * reads older history when scrolled near the top (keeping the visible message in
 * place), counts messages that arrive while scrolled up, and scrolls to a search
 * result when asked.
 */
import type { Message, RoomSummary } from '@switchboard/chat/api';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { emptyTimeline } from '../state/timeline.ts';
import { useChat, useChatClient } from './chat-context.ts';
import { MessageItem } from './message-item.tsx';
import { PendingItem } from './pending-item.tsx';

/** Within this distance of an edge counts as at it. */
const edgePx = 80;
/** Consecutive messages of one author within this time share one header. */
const groupMs = 5 * 60 * 1000;

export function MessageList({ room }: { room: RoomSummary }) {
  const client = useChatClient();
  const timeline = useChat((state) => state.timelines[room.id] ?? emptyTimeline);
  const pending = useChat((state) => state.pending);
  const me = useChat((state) => state.me);
  const focus = useChat((state) => state.focus);
  const editingId = useChat((state) => state.editingId);
  const [unseen, setUnseen] = useState(0);
  const [flashId, setFlashId] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const layout = useRef({ scrollHeight: 0, firstId: '', lastId: '', count: 0 });
  const { messages } = timeline;
  const mine = pending.filter((send) => send.roomId === room.id);

  // Before paint: keep the reading position when older messages are prepended; follow new ones at the bottom.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const before = layout.current;
    const firstId = messages[0]?.id ?? '';
    const lastId = messages.at(-1)?.id ?? '';
    if (before.firstId !== '' && firstId !== before.firstId && lastId === before.lastId) {
      element.scrollTop += element.scrollHeight - before.scrollHeight;
    } else if (atBottom.current) {
      element.scrollTop = element.scrollHeight;
    } else if (lastId !== before.lastId && messages.length > before.count) {
      const added = messages.slice(before.count).filter((message) => message.authorId !== me?.id).length;
      setUnseen((count) => count + added);
    }
    layout.current = { scrollHeight: element.scrollHeight, firstId, lastId, count: messages.length };
  });

  // Too few messages to scroll: read older ones until the view fills or history ends.
  useEffect(() => {
    const element = scroller.current;
    if (element === null || !timeline.historyLoaded || timeline.loading || !timeline.hasMore) return;
    if (element.scrollHeight <= element.clientHeight + edgePx) {
      client.loadOlder(room.id).catch(() => {});
    }
  }, [client, room.id, timeline]);

  useEffect(() => {
    if (focus === null || focus.roomId !== room.id) return;
    const target = scroller.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focus.messageId)}"]`);
    if (target === null || target === undefined) return;
    atBottom.current = false;
    target.scrollIntoView({ block: 'center' });
    target.focus({ preventScroll: true });
    setFlashId(focus.messageId);
    const timer = setTimeout(() => setFlashId(null), 2500);
    return () => clearTimeout(timer);
  }, [focus, room.id]);

  function onScroll(): void {
    const element = scroller.current!;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < edgePx;
    if (atBottom.current && unseen > 0) setUnseen(0);
    if (element.scrollTop < edgePx && timeline.hasMore && !timeline.loading) {
      client.loadOlder(room.id).catch(() => {});
    }
  }

  function jumpToLatest(): void {
    const element = scroller.current!;
    element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
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
        onScroll={onScroll}
      >
        <div className="messages__start">
          {timeline.loading && <span className="muted">Loading…</span>}
          {timeline.historyLoaded && !timeline.hasMore && !timeline.loading && (
            <span className="muted" data-testid="history-start">
              This is the beginning of {room.name === null ? 'your conversation' : `#${room.name}`}.
            </span>
          )}
        </div>
        <ol className="messages__items">
          {messages.map((message, index) => (
            <MessageItem
              key={message.id}
              message={message}
              own={message.authorId === me?.id}
              grouped={continues(messages[index - 1], message)}
              dayChanged={dayChanged(messages[index - 1], message)}
              editing={editingId === message.id}
              flash={flashId === message.id}
              onEdit={(editing) => client.setEditing(editing ? message.id : null)}
            />
          ))}
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
