/**
 * The threads of the room you follow (a native `<dialog>`: focus is kept
 * inside, Escape closes), the newest root first, read from the server each time
 * it opens, with "Show more" for older ones. A thread with replies you have not
 * read is marked, and counted in the title; "Open" opens it beside the room.
 * Texts render as text, never HTML.
 */
import type { RoomId, ThreadRead } from '@switchboard/chat/api';
import { type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { threadUnread } from '../state/thread-panel.ts';
import { useChat, useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';

export interface ThreadsDialogHandle {
  open: () => void;
}

interface ThreadsDialogProps {
  ref: Ref<ThreadsDialogHandle>;
  roomId: RoomId;
  roomName: string;
}

interface Listing {
  threads: readonly ThreadRead[];
  hasMore: boolean;
  loading: boolean;
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function ThreadsDialog({ ref, roomId, roomName }: ThreadsDialogProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [listing, setListing] = useState<Listing>({ threads: [], hasMore: false, loading: true });
  // Read positions move while the dialog is open (a thread read elsewhere): the markers follow them.
  const reads = useChat((state) => state.threadReads);
  const me = useChat((state) => state.me?.id);
  const id = useId();

  function load(before?: number): void {
    setListing((current) => ({ ...current, loading: true }));
    client.threads(roomId, before).then(
      (page) =>
        setListing((current) => ({
          threads: before === undefined ? page.threads : [...current.threads, ...page.threads],
          hasMore: page.hasMore,
          loading: false,
        })),
      (error: Error) => {
        setListing((current) => ({ ...current, loading: false }));
        client.notify(error.message);
      },
    );
  }

  useImperativeHandle(ref, () => ({
    open: () => {
      setListing({ threads: [], hasMore: false, loading: true });
      dialog.current?.showModal();
      load();
    },
  }));

  const { threads, hasMore, loading } = listing;
  const unread = threads.filter(({ root }) => threadUnread(root, reads, me)).length;
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="threads-dialog">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Threads in {roomName}
        {unread > 0 && <span className="muted"> · {unread} unread</span>}
      </DialogHeader>
      {threads.length === 0 && loading ? (
        <p className="muted">Loading threads…</p>
      ) : threads.length === 0 ? (
        <p className="muted" data-testid="no-threads">
          You follow no thread here yet: reply in one, open one, or be named in one.
        </p>
      ) : (
        <ul className="directory" data-testid="thread-list">
          {threads.map(({ root }) => {
            const isUnread = threadUnread(root, reads, me);
            return (
              <li key={root.id} className="directory__item pin" data-testid="thread-item" data-unread={isUnread}>
                <span className="pin__body">
                  <span className="pin__author">
                    {isUnread && (
                      <>
                        <span className="thread-summary__unread threads-dialog__unread" aria-hidden="true" />
                        <span className="visually-hidden">Unread: </span>
                      </>
                    )}
                    {root.authorName}
                  </span>
                  <span className="pin__text" dir="auto">
                    {root.deletedAt === null ? root.text : 'This message was deleted.'}
                  </span>
                  {root.thread !== null && (
                    <span className="muted threads-dialog__meta">
                      {root.thread.replyCount} {root.thread.replyCount === 1 ? 'reply' : 'replies'}, the last{' '}
                      {time.format(new Date(root.thread.lastReplyAt))}
                    </span>
                  )}
                </span>
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => {
                    dialog.current?.close();
                    client.openThread(root.id);
                  }}
                >
                  Open
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {hasMore && (
        <button
          type="button"
          className="button button--small button--ghost"
          disabled={loading}
          onClick={() => load(threads.at(-1)?.root.seq)}
        >
          Show more
        </button>
      )}
    </dialog>
  );
}
