/**
 * The room's pinned messages (a native `<dialog>`: focus is kept inside, Escape
 * closes), read from the server each time it opens; "Go to message" opens the
 * message in the list, as a search result does. Texts render as text, never HTML.
 */
import type { Message, RoomId } from '@switchboard/chat/api';
import { type Ref, useId, useImperativeHandle, useRef, useState } from 'react';
import { useChatClient } from './chat-context.ts';
import { DialogHeader } from './dialog-header.tsx';

export interface PinsDialogHandle {
  open: () => void;
}

interface PinsDialogProps {
  ref: Ref<PinsDialogHandle>;
  roomId: RoomId;
  roomName: string;
}

export function PinsDialog({ ref, roomId, roomName }: PinsDialogProps) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [pins, setPins] = useState<readonly Message[] | null>(null);
  const id = useId();

  useImperativeHandle(ref, () => ({
    open: () => {
      setPins(null);
      dialog.current?.showModal();
      client.pins(roomId).then(setPins, (error: Error) => {
        setPins([]);
        client.notify(error.message);
      });
    },
  }));

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby={`${id}-title`} data-testid="pins-dialog">
      <DialogHeader titleId={`${id}-title`} onClose={() => dialog.current?.close()}>
        Pinned in {roomName}
      </DialogHeader>
      {pins === null ? (
        <p className="muted">Loading pinned messages…</p>
      ) : pins.length === 0 ? (
        <p className="muted" data-testid="no-pins">
          Nothing is pinned yet. Pin a message with its Pin button (or P on a focused message).
        </p>
      ) : (
        <ul className="directory" data-testid="pin-list">
          {pins.map((message) => (
            <li key={message.id} className="directory__item pin" data-testid="pin">
              <span className="pin__body">
                <span className="pin__author">{message.authorName}</span>
                <span className="pin__text" dir="auto">
                  {message.text}
                </span>
              </span>
              <button
                type="button"
                className="button button--small"
                onClick={() =>
                  client.jumpTo({ roomId, message }).then(
                    () => dialog.current?.close(),
                    (error: Error) => client.notify(error.message),
                  )
                }
              >
                Go to message
              </button>
            </li>
          ))}
        </ul>
      )}
    </dialog>
  );
}
