/** A dialog to create a room or join one from the directory (a native `<dialog>`: focus is kept inside, Escape closes). */
import type { RoomListing } from '@switchboard/chat/api';
import { type FormEvent, type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';

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
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  useImperativeHandle(ref, () => ({
    open: () => {
      setError(null);
      setDirectory(null);
      dialog.current?.showModal();
      client.listRooms().then(
        (answer) => setDirectory(answer.directory),
        (failure: Error) => setError(failure.message),
      );
    },
  }));

  function done(): void {
    dialog.current?.close();
    onNavigate();
  }

  function create(event: FormEvent): void {
    event.preventDefault();
    setError(null);
    client.createRoom(name.trim().toLowerCase()).then(
      () => {
        setName('');
        done();
      },
      (failure: Error) => setError(failure.message),
    );
  }

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="room-browser">
      <div className="dialog__header">
        <h2 id={`${id}-title`}>Rooms</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={() => dialog.current?.close()}>
          ×
        </button>
      </div>
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
        <ul className="directory">
          {directory.map((room) => (
            <li key={room.id} className="directory__item" data-testid="directory-room" data-room-name={room.name}>
              <span className="directory__name"># {room.name}</span>
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
        </ul>
      )}
    </dialog>
  );
}
