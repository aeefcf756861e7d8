/**
 * A dialog to create a room or join one from the directory (a native `<dialog>`:
 * focus is kept inside, Escape closes). The directory comes in pages of 100,
 * read on as the list is scrolled.
 */
import type { RoomListing } from '@switchboard/chat/api';
import { type FormEvent, type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { CursorTrail } from '../connection/cursor-trail.ts';
import type { DirectoryPage } from '../state/chat-client.ts';
import { useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';
import { LoadMore } from './load-more.tsx';

export interface RoomBrowserHandle {
  open: () => void;
}

interface RoomBrowserProps {
  ref: Ref<RoomBrowserHandle>;
  onNavigate: () => void;
}

export function RoomBrowser({ ref, onNavigate }: RoomBrowserProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [directory, setDirectory] = useState<readonly RoomListing[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  /** Tells a page read for an earlier opening of the dialog apart. */
  const opening = useRef(0);
  /** The directory's cursors since this opening's first page. */
  const trail = useRef(new CursorTrail());
  const [name, setName] = useState('');
  const [privateRoom, setPrivateRoom] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  function read(from: string | undefined): void {
    const current = opening.current;
    setLoading(true);
    client.directoryPage(trail.current, from).then(
      (page: DirectoryPage) => {
        if (current !== opening.current) return;
        setDirectory((shown) => [...(from === undefined ? [] : (shown ?? [])), ...page.rooms]);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (failure: Error) => {
        if (current !== opening.current) return;
        setError(failure.message);
        setLoading(false);
      },
    );
  }

  useImperativeHandle(ref, () => ({
    open: () => {
      opening.current += 1;
      trail.current = new CursorTrail();
      setError(null);
      setDirectory(null);
      setCursor(null);
      dialog.current?.showModal();
      read(undefined);
    },
  }));

  function done(): void {
    dialog.current?.close();
    onNavigate();
  }

  function create(event: FormEvent): void {
    event.preventDefault();
    setError(null);
    client.createRoom(name.trim().toLowerCase(), privateRoom ? 'private' : 'public').then(
      () => {
        setName('');
        setPrivateRoom(false);
        done();
      },
      (failure: Error) => setError(failure.message),
    );
  }

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="room-browser">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Rooms
      </DialogHeader>
      <form className="inline-form" onSubmit={create}>
        <label htmlFor={`${id}-name`} className="visually-hidden">
          New room name
        </label>
        <input
          id={`${id}-name`}
          data-testid="new-room-input"
          placeholder="new-room-name"
          required
          minLength={2}
          maxLength={32}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <label className="inline-form__check" title="Only people you invite can find and read a private room">
          <input
            type="checkbox"
            data-testid="new-room-private"
            checked={privateRoom}
            onChange={(event) => setPrivateRoom(event.target.checked)}
          />
          Private
        </label>
        <button type="submit" className="button button--primary" data-testid="create-room">
          Create
        </button>
      </form>
      <div className="form-error" role="alert">
        {error}
      </div>
      {directory === null ? (
        <p className="muted">Loading rooms…</p>
      ) : (
        <ul className="directory" data-testid="directory">
          {directory.map((room) => (
            <li key={room.id} className="directory__item" data-testid="directory-room" data-room-name={room.name}>
              <span className="directory__name">
                # {room.name}
                {room.topic !== null && (
                  <span className="directory__topic muted" data-testid="directory-topic" dir="auto">
                    {room.topic}
                  </span>
                )}
              </span>
              <span className="muted">
                {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
              </span>
              {room.joined ? (
                <span className="tag">joined</span>
              ) : (
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => client.joinRoom(room.id).then(done, (failure: Error) => setError(failure.message))}
                >
                  Join
                </button>
              )}
            </li>
          ))}
          {cursor !== null && (
            <li className="directory__more">
              <LoadMore
                cursor={cursor}
                onLoad={() => read(cursor)}
                loading={loading}
                label="More rooms"
                testId="directory-more"
              />
            </li>
          )}
        </ul>
      )}
    </dialog>
  );
}
