/**
 * What can be done to a message where it shows, in the room's list or in its
 * thread: react, reply in its thread (in the room only: the thread's composer
 * is beside it there), pin or unpin, edit your own, delete it (yours, or
 * anyone's as the room's owner or an admin: it then shows as removed by a
 * moderator) after a confirmation that takes focus.
 *
 * `useMessageActions` holds the picker and the confirmation and answers the
 * focused row's keys: Enter or E edits your message, Delete or Backspace asks
 * to delete it (Escape keeps it), R opens the reaction picker, P pins or
 * unpins, T opens its thread, U marks the room unread from it (both in the room). Focus comes back to the row (or to
 * the composer, for an edit started there) when the editor or the confirmation
 * closes. `MessageActions` is the row's buttons.
 */
import type { Message } from '@switchboard/chat/api';
import { type KeyboardEvent, type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import type { EditOrigin } from '../state/chat-state.ts';
import { useChatClient } from './chat-context.ts';
import { useComposerFocus } from './composer-focus.ts';

/** Where a message shows. */
export type MessagePlace = 'room' | 'thread';

export interface MessageActionsOptions {
  message: Message;
  own: boolean;
  /** The viewer is the room's owner or an admin. */
  moderator: boolean;
  place: MessagePlace;
  /** Being edited in this place, and where the edit started; null when not. */
  editing: EditOrigin | null;
  /** The message's row. */
  row: RefObject<HTMLLIElement | null>;
}

export interface MessageActionState {
  editable: boolean;
  removable: boolean;
  /** The deletion is waiting for its confirmation. */
  confirming: boolean;
  /** The reaction picker is open. */
  picking: boolean;
  /** The confirmation's button, focused when it shows. */
  confirmButton: RefObject<HTMLButtonElement | null>;
  togglePicker: () => void;
  /** Closes the picker (after a choice, or Escape). */
  closePicker: () => void;
  askToRemove: () => void;
  remove: () => void;
  keep: () => void;
  togglePin: () => void;
  edit: () => void;
  /** Closes the editor. */
  finishEditing: () => void;
  openThread: () => void;
  /** Someone else's message in the room: the room can be marked unread from it. */
  unreadable: boolean;
  markUnread: () => void;
  /** The row's `aria-keyshortcuts`. */
  keyShortcuts: string | undefined;
  /** The row's key handler. */
  onKeyDown: (event: KeyboardEvent<HTMLLIElement>) => void;
}

export function useMessageActions({
  message,
  own,
  moderator,
  place,
  editing,
  row,
}: MessageActionsOptions): MessageActionState {
  const client = useChatClient();
  const composer = useComposerFocus();
  const [confirming, setConfirming] = useState(false);
  const [picking, setPicking] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const deleted = message.deletedAt !== null;
  const editable = own && !deleted;
  const removable = (own || moderator) && !deleted;
  const unreadable = place === 'room' && !own && !deleted;
  /** The thread this message opens: its own, or its root's for a reply. */
  const threadId = message.threadRootId ?? message.id;

  // The user just asked to delete: the choice is the next step.
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  /** Puts focus back on the row when it was inside it (the editor, a button that goes away). */
  function refocus(to: EditOrigin = place === 'thread' ? 'thread' : 'message'): void {
    if (!row.current?.contains(document.activeElement)) return;
    if (to === 'composer') composer.focus();
    else row.current.focus();
  }

  function keep(): void {
    refocus();
    setConfirming(false);
  }

  function remove(): void {
    refocus();
    setConfirming(false);
    client.remove(message.id).catch((error: Error) => client.notify(error.message));
  }

  function togglePin(): void {
    client.pin(message.id, message.pinnedAt === null).catch((error: Error) => client.notify(error.message));
  }

  function markUnread(): void {
    client.markUnread(message).catch((error: Error) => client.notify(error.message));
  }

  function edit(): void {
    client.setEditing(message.id, place === 'thread' ? 'thread' : 'message');
  }

  const keys = [
    ...(editable ? ['Enter', 'E'] : []),
    ...(removable ? ['Delete'] : []),
    'R',
    'P',
    ...(place === 'room' ? ['T'] : []),
    ...(unreadable ? ['U'] : []),
  ];
  const keyShortcuts = deleted ? undefined : keys.join(' ');

  function onKeyDown(event: KeyboardEvent<HTMLLIElement>): void {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (confirming && event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      keep();
      return;
    }
    if (event.target !== event.currentTarget || deleted || editing !== null) return;
    const key = event.key.toLowerCase();
    if (key === 'r') setPicking(true);
    else if (key === 'p') togglePin();
    else if (key === 't' && place === 'room') client.openThread(threadId);
    else if (key === 'u' && unreadable) markUnread();
    else if (editable && (event.key === 'Enter' || key === 'e')) edit();
    else if (removable && (event.key === 'Delete' || event.key === 'Backspace')) setConfirming(true);
    else return;
    event.preventDefault();
  }

  return {
    editable,
    removable,
    confirming,
    picking,
    confirmButton,
    togglePicker: () => setPicking(!picking),
    closePicker: () => {
      refocus();
      setPicking(false);
    },
    askToRemove: () => setConfirming(true),
    remove,
    keep,
    togglePin,
    edit,
    finishEditing: () => {
      refocus(editing ?? undefined);
      client.setEditing(null);
    },
    openThread: () => client.openThread(threadId),
    unreadable,
    markUnread,
    keyShortcuts,
    onKeyDown,
  };
}

/** The row's buttons; none for a deleted message or one being edited. */
export function MessageActions({
  message,
  own,
  place,
  actions,
}: {
  message: Message;
  own: boolean;
  place: MessagePlace;
  actions: MessageActionState;
}) {
  return (
    <div className="message__actions">
      {actions.confirming ? (
        <>
          <button
            type="button"
            className="button button--small button--danger"
            data-testid="confirm-delete"
            ref={actions.confirmButton}
            onClick={actions.remove}
          >
            Delete
          </button>
          <button type="button" className="button button--small button--ghost" onClick={actions.keep}>
            Keep
          </button>
        </>
      ) : (
        <>
          <RowButton
            testId="add-reaction"
            label="Add a reaction"
            expanded={actions.picking}
            onClick={actions.togglePicker}
          >
            React
          </RowButton>
          {place === 'room' && (
            <RowButton testId="reply-in-thread" label="Reply in thread" onClick={actions.openThread}>
              Reply
            </RowButton>
          )}
          <RowButton testId="pin-message" pressed={message.pinnedAt !== null} onClick={actions.togglePin}>
            {message.pinnedAt === null ? 'Pin' : 'Unpin'}
          </RowButton>
          {actions.unreadable && (
            <RowButton testId="mark-unread" label="Mark unread from here" onClick={actions.markUnread}>
              Unread
            </RowButton>
          )}
          {actions.editable && (
            <RowButton testId="edit-message" label="Edit message" onClick={actions.edit}>
              Edit
            </RowButton>
          )}
          {actions.removable && (
            <RowButton
              testId="delete-message"
              label={own ? 'Delete message' : `Remove ${message.authorName}’s message as a moderator`}
              onClick={actions.askToRemove}
            >
              {own ? 'Delete' : 'Remove'}
            </RowButton>
          )}
        </>
      )}
    </div>
  );
}

/** One of a message row's small buttons. */
function RowButton({
  testId,
  label,
  expanded,
  pressed,
  onClick,
  children,
}: {
  testId: string;
  /** What a screen reader says, when the text alone would not tell. */
  label?: string;
  expanded?: boolean;
  pressed?: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="button button--small button--ghost"
      data-testid={testId}
      aria-label={label}
      aria-expanded={expanded}
      aria-pressed={pressed}
      onClick={onClick}
    >
      {children}
    </button>
  );
}
