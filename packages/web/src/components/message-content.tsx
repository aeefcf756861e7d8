/**
 * A message's content wherever it shows (the room's list, a thread): its text,
 * formatted with the reader's mentions marked (rendered as React nodes, never
 * as HTML), or its editor while it is edited there, or its tombstone; its
 * files; who pinned it; what the place adds (`children`); its reactions.
 */
import type { Message } from '@switchboard/chat/api';
import { type ReactNode, useMemo } from 'react';
import { mentionRunsIn } from '../state/mentions.ts';
import { useChat } from './chat-context.ts';
import { FormattedText } from './formatted-text.tsx';
import type { MessageActionState } from './message-actions.tsx';
import { MessageAttachments } from './message-attachments.tsx';
import { MessageEditor } from './message-editor.tsx';
import { MessageReactions } from './message-reactions.tsx';

const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

interface MessageContentProps {
  message: Message;
  /** Being edited here. */
  editing: boolean;
  actions: MessageActionState;
  /** The text's `data-testid`. */
  textTestId: string;
  children?: ReactNode;
}

export function MessageContent({ message, editing, actions, textTestId, children }: MessageContentProps) {
  const me = useChat((state) => state.me?.id);
  const highlight = useMemo(() => (text: string) => mentionRunsIn(text, message, me), [message, me]);
  const deleted = message.deletedAt !== null;
  return (
    <>
      {editing ? (
        <MessageEditor message={message} onDone={actions.finishEditing} />
      ) : deleted ? (
        <p className="message__text message__text--deleted" data-testid={textTestId}>
          {message.removedByModerator ? 'This message was removed by a moderator.' : 'This message was deleted.'}
        </p>
      ) : (
        // A message of files alone has no text.
        (message.text !== '' || message.editedAt !== null) && (
          <div className="message__text message__text--formatted" dir="auto" data-testid={textTestId}>
            <FormattedText text={message.text} highlight={highlight} />
            {message.editedAt !== null && (
              <span className="message__edited" title={full.format(new Date(message.editedAt))}>
                {' '}
                (edited)
              </span>
            )}
          </div>
        )
      )}
      {!deleted && <MessageAttachments message={message} />}
      {message.pinnedBy !== null && (
        <p className="message__pinned" data-testid="pinned-by">
          📌 Pinned by {message.pinnedBy.username}
        </p>
      )}
      {children}
      {!deleted && <MessageReactions message={message} picking={actions.picking} onPicked={actions.closePicker} />}
    </>
  );
}
