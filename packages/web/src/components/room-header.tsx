/** The active room's name, its topic, its members (a button that lists them), and its actions: notifications, pins, threads (marked while a followed one is unread), search, invite, leave. */
import type { RoomSummary } from '@switchboard/chat/api';
import { useRef } from 'react';
import { roomLabel } from '../state/conversation-order.ts';
import { unreadThreadCount } from '../state/thread-panel.ts';
import { useChat, useChatClient } from './chat-context.ts';
import { ConversationIcon } from './conversation-icon.tsx';
import { MembersDialog, type MembersDialogHandle } from './members-dialog.tsx';
import { NotificationsDialog, type NotificationsDialogHandle } from './notifications-dialog.tsx';
import { PinsDialog, type PinsDialogHandle } from './pins-dialog.tsx';
import { RoomAccessDialog, type RoomAccessDialogHandle } from './room-access-dialog.tsx';
import { RoomTopic } from './room-topic.tsx';
import { ThreadsDialog, type ThreadsDialogHandle } from './threads-dialog.tsx';

interface RoomHeaderProps {
  room: RoomSummary | null;
  onOpenMenu: () => void;
  onToggleSearch: () => void;
  searchOpen: boolean;
}

export function RoomHeader({ room, onOpenMenu, onToggleSearch, searchOpen }: RoomHeaderProps) {
  const client = useChatClient();
  const members = useChat((state) => (room === null ? undefined : state.members[room.id]));
  const unreadThreads = useChat((state) =>
    room === null ? 0 : unreadThreadCount(state.threadRoots, state.threadReads, room.id, state.me?.id),
  );
  const dialog = useRef<MembersDialogHandle>(null);
  const pins = useRef<PinsDialogHandle>(null);
  const threads = useRef<ThreadsDialogHandle>(null);
  const notifications = useRef<NotificationsDialogHandle>(null);
  const access = useRef<RoomAccessDialogHandle>(null);
  // A big room's list is read in pages: until the last one, the counts are "at least".
  const more = members?.nextCursor != null ? '+' : '';
  const count = members?.members.length ?? 0;
  const onlineCount = members?.members.filter((member) => member.online).length ?? 0;
  return (
    <header className="room-header">
      <button type="button" className="icon-button room-header__menu" aria-label="Open menu" onClick={onOpenMenu}>
        ☰
      </button>
      {room !== null && (
        <div className="room-header__title">
          <ConversationIcon room={room} hashClass="room-header__hash" />
          <h1 data-testid="room-title">
            {roomLabel(room)}
            {room.kind === 'room' && room.visibility === 'private' && (
              <span className="visually-hidden"> (private)</span>
            )}
          </h1>
          {members !== undefined && room.kind === 'room' && (
            <button
              type="button"
              className="link-button room-header__meta"
              data-testid="room-members"
              aria-label={`${count}${more} ${count === 1 && more === '' ? 'member' : 'members'}, ${onlineCount}${more} online`}
              onClick={() => dialog.current?.open()}
            >
              <svg className="room-header__people" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                <circle cx="6" cy="5" r="2.6" />
                <path d="M1 14c0-3 2.2-5 5-5s5 2 5 5z" />
                <circle cx="11.5" cy="5.5" r="2" />
                <path d="M11 9.2c2.3.1 4 1.9 4 4.8h-3c0-1.9-.4-3.5-1-4.8z" />
              </svg>
              {count}
              {more}
              <span className="room-header__word"> {count === 1 && more === '' ? 'member' : 'members'}</span>
              <span className="room-header__online">
                {' '}
                · {onlineCount}
                {more} online
              </span>
            </button>
          )}
          {room.kind === 'room' && <RoomTopic room={room} />}
        </div>
      )}
      <div className="room-header__actions">
        {room !== null && (
          <button
            type="button"
            className="button button--small button--ghost room-header__notify"
            data-testid="notifications-button"
            data-muted={room.notifications.muted}
            aria-label={`Notifications for ${roomLabel(room)}${room.notifications.muted ? ', muted' : ''}`}
            title="Notifications"
            onClick={() => notifications.current?.open()}
          >
            <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
              <path d="M8 1.5a4 4 0 0 0-4 4v2.7L2.6 11h10.8L12 8.2V5.5a4 4 0 0 0-4-4zM6.3 12.5a1.8 1.8 0 0 0 3.4 0z" />
              {room.notifications.muted && <path d="M2 2l12 12" stroke="currentColor" strokeWidth="1.6" />}
            </svg>
          </button>
        )}
        {room !== null && (
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid="pins-button"
            onClick={() => pins.current?.open()}
          >
            Pinned
          </button>
        )}
        {room !== null && (
          <button
            type="button"
            className="button button--small button--ghost room-header__threads"
            data-testid="threads-button"
            data-unread={unreadThreads > 0}
            aria-label={unreadThreads > 0 ? `Threads, ${unreadThreads} unread` : 'Threads'}
            onClick={() => threads.current?.open()}
          >
            Threads
            {unreadThreads > 0 && <span className="thread-summary__unread threads-dialog__unread" aria-hidden="true" />}
          </button>
        )}
        <button
          type="button"
          className="button button--small button--ghost"
          aria-pressed={searchOpen}
          aria-keyshortcuts="Control+K"
          data-testid="search-button"
          onClick={onToggleSearch}
        >
          Search
        </button>
        {room?.kind === 'room' && (
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid="invite-button"
            onClick={() => access.current?.open()}
          >
            Invite
          </button>
        )}
        {room?.kind === 'room' && (
          <button
            type="button"
            className="button button--small button--ghost"
            data-testid="leave-room"
            onClick={() => client.leaveRoom(room.id).catch((error: Error) => client.notify(error.message))}
          >
            Leave
          </button>
        )}
      </div>
      {room?.kind === 'room' && (
        <MembersDialog
          ref={dialog}
          roomId={room.id}
          roomName={roomLabel(room)}
          role={room.role}
          readOnly={room.readOnly}
        />
      )}
      {room !== null && <PinsDialog ref={pins} roomId={room.id} roomName={roomLabel(room)} />}
      {room !== null && <ThreadsDialog ref={threads} roomId={room.id} roomName={roomLabel(room)} />}
      {room !== null && <NotificationsDialog ref={notifications} room={room} />}
      {room?.kind === 'room' && <RoomAccessDialog ref={access} room={room} />}
    </header>
  );
}
