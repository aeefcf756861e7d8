/** Who you are, the connection, your rooms and direct messages, and who is online. */
import type { ChangePasswordRequest } from '@switchboard/chat/api';
import { useRef } from 'react';
import { Avatar } from './avatar.tsx';
import { useChat } from './chat-context.ts';
import { ConnectionStatus } from './connection-status.tsx';
import { IconButton } from './icon-button.tsx';
import { NewConversation, type NewConversationHandle } from './new-conversation.tsx';
import { OnlineUsers } from './online-users.tsx';
import { PasswordDialog, type PasswordDialogHandle } from './password-dialog.tsx';
import { RoomBrowser, type RoomBrowserHandle } from './room-browser.tsx';
import { RoomList } from './room-list.tsx';

interface SidebarProps {
  /** A room was chosen (closes the drawer on small screens). */
  onNavigate: () => void;
  onSignOut: () => void;
  onChangePassword: (passwords: ChangePasswordRequest) => Promise<void>;
}

export function Sidebar({ onNavigate, onSignOut, onChangePassword }: SidebarProps) {
  const me = useChat((state) => state.me);
  const browser = useRef<RoomBrowserHandle>(null);
  const password = useRef<PasswordDialogHandle>(null);
  const newConversation = useRef<NewConversationHandle>(null);
  return (
    <aside className="sidebar" aria-label="Rooms and people">
      <header className="sidebar__header">
        <div className="brand brand--small">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>Switchboard</span>
        </div>
        <ConnectionStatus />
      </header>
      <nav className="sidebar__scroll" aria-label="Conversations">
        <section className="sidebar__section">
          <div className="sidebar__title">
            <h2 id="rooms-heading">Rooms</h2>
            <button
              type="button"
              className="icon-button"
              aria-label="Browse or create rooms"
              data-testid="browse-rooms"
              onClick={() => browser.current?.open()}
            >
              +
            </button>
          </div>
          <RoomList kind="room" labelledBy="rooms-heading" onNavigate={onNavigate} />
        </section>
        <section className="sidebar__section">
          <div className="sidebar__title">
            <h2 id="direct-heading">Direct messages</h2>
            <button
              type="button"
              className="icon-button"
              aria-label="New conversation: find people by name"
              data-testid="new-conversation-button"
              onClick={() => newConversation.current?.open()}
            >
              +
            </button>
          </div>
          <RoomList kind="direct" labelledBy="direct-heading" onNavigate={onNavigate} />
        </section>
        <section className="sidebar__section">
          <div className="sidebar__title">
            <h2 id="online-heading">Online</h2>
          </div>
          <OnlineUsers labelledBy="online-heading" onNavigate={onNavigate} />
        </section>
      </nav>
      {me !== null && (
        <footer className="sidebar__me">
          <Avatar username={me.username} online />
          <span className="sidebar__me-name" data-testid="me-name" title={me.username}>
            {me.username}
            {me.guest && <span className="tag">guest</span>}
          </span>
          {!me.guest && (
            <IconButton
              label="Change password"
              testId="change-password"
              path="M4 15a4 4 0 1 0 8 0a4 4 0 1 0-8 0M11 12l8-8m-3 3l2 2m-4 0l2 2"
              onClick={() => password.current?.open()}
            />
          )}
          <button type="button" className="button button--small button--ghost" onClick={onSignOut}>
            Sign out
          </button>
        </footer>
      )}
      <PasswordDialog ref={password} onChange={onChangePassword} />
      <RoomBrowser ref={browser} onNavigate={onNavigate} />
      <NewConversation ref={newConversation} onNavigate={onNavigate} />
    </aside>
  );
}
