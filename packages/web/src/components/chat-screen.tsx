/** The signed-in chat: owns the `ChatConnection` and `ChatClient` for one session. */
import type { Session } from '@switchboard/chat/api';
import { useEffect, useState } from 'react';
import { ChatConnection } from '../connection/chat-connection.ts';
import { webSocketUrl } from '../session-storage.ts';
import { ChatClient } from '../state/chat-client.ts';
import { ChatClientContext } from './chat-context.ts';
import { Conversation } from './conversation.tsx';
import { NoticeToast } from './notice-toast.tsx';
import { SearchPanel } from './search-panel.tsx';
import { Sidebar } from './sidebar.tsx';
import { UnreadTitle } from './unread-title.tsx';

interface ChatScreenProps {
  session: Session;
  onSignOut: (reason: string | null) => void;
}

export function ChatScreen({ session, onSignOut }: ChatScreenProps) {
  const [connection] = useState(
    () => new ChatConnection({ url: () => webSocketUrl(session.token), tokenExpiresAt: session.expiresAt }),
  );
  const [client] = useState(
    () =>
      new ChatClient({
        connection,
        isReading: () => document.visibilityState === 'visible',
        onUnauthorized: () => onSignOut('Your session ended. Sign in again.'),
      }),
  );
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);

  useEffect(() => {
    client.start();
    const retry = () => connection.retryNow();
    const read = () => {
      const active = client.getState().activeRoomId;
      if (active !== null && document.visibilityState === 'visible') client.markRead(active);
    };
    // Ctrl+K / Cmd+K opens search, as in most chat apps.
    const shortcut = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        setSearchOpen(true);
      } else if (event.key === 'Escape') {
        setSidebarOpen(false);
      }
    };
    window.addEventListener('keydown', shortcut);
    window.addEventListener('online', retry);
    document.addEventListener('visibilitychange', read);
    return () => {
      window.removeEventListener('keydown', shortcut);
      window.removeEventListener('online', retry);
      document.removeEventListener('visibilitychange', read);
      client.stop();
    };
  }, [client, connection]);

  return (
    <ChatClientContext.Provider value={client}>
      <UnreadTitle />
      <div className="chat" data-sidebar-open={sidebarOpen} data-search-open={searchOpen}>
        <Sidebar onNavigate={() => setSidebarOpen(false)} onSignOut={() => onSignOut(null)} />
        <button
          type="button"
          className="scrim"
          aria-label="Close menu"
          tabIndex={-1}
          onClick={() => setSidebarOpen(false)}
        />
        <Conversation
          onOpenMenu={() => setSidebarOpen(true)}
          onToggleSearch={() => setSearchOpen((open) => !open)}
          searchOpen={searchOpen}
        />
        {searchOpen && <SearchPanel onClose={() => setSearchOpen(false)} />}
        <NoticeToast />
      </div>
    </ChatClientContext.Provider>
  );
}
