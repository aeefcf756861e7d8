/** The signed-in chat: owns the `ChatConnection` and `ChatClient` for one session. */

import type { Session } from '@switchboard/chat/api';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ChatConnection } from '../connection/chat-connection.ts';
import { UnsentSends } from '../connection/unsent-sends.ts';
import { FileApi } from '../files/file-api.ts';
import { FileApiContext } from '../files/file-api-context.ts';
import { changePassword, type HttpApiError, logOut, refreshSession } from '../http-api.ts';
import { browserStorage, tabStorage, webSocketUrl } from '../session-storage.ts';
import { ChatClient } from '../state/chat-client.ts';
import { adjacentConversation } from '../state/conversation-order.ts';
import { Drafts } from '../state/drafts.ts';
import { notifyMessage } from './browser-notifications.ts';
import { ChatClientContext } from './chat-context.ts';
import { ComposerFocusContext, createComposerFocus } from './composer-focus.ts';
import { Conversation } from './conversation.tsx';
import { NoticeToast } from './notice-toast.tsx';
import { SearchPanel } from './search-panel.tsx';
import { Sidebar } from './sidebar.tsx';
import { ThreadPanel } from './thread-panel.tsx';
import { UnreadTitle } from './unread-title.tsx';
import { useInviteLink } from './use-invite-link.ts';

/** Where the layout turns the sidebar into a drawer and search into a full-screen panel (styles.css). */
const narrowScreen = '(max-width: 760px)';

interface ChatScreenProps {
  session: Session;
  /** The session was renewed (a new token for the same user). */
  onSession: (session: Session) => void;
  onSignOut: (reason: string | null) => void;
}

/** Failed connection attempts in a row after which the session itself is checked. */
const attemptsBeforeSessionCheck = 3;

export function ChatScreen({ session, onSession, onSignOut }: ChatScreenProps) {
  // The token is renewed while the chat runs: the connection reads the latest one before every attempt.
  const current = useRef(session);
  current.current = session;
  const [unsent] = useState(() => new UnsentSends(session.user.id, tabStorage()));
  const [connection] = useState(
    () =>
      new ChatConnection({
        url: () => webSocketUrl(current.current.token),
        tokenExpiresAt: () => current.current.expiresAt,
        unsent,
      }),
  );
  const [client] = useState(
    () =>
      new ChatClient({
        connection,
        drafts: new Drafts(session.user.id, browserStorage()),
        isReading: () => document.visibilityState === 'visible',
        onUnauthorized: () => onSignOut('Your session ended. Sign in again.'),
        // Called only once the client exists (a message arrives): `client` is set by then.
        onMessage: (message, room) =>
          notifyMessage(
            message,
            room,
            session.user.id,
            message.threadRootId !== null && client.followsThread(message.roomId, message.threadRootId),
            (shown) => void client.jumpTo({ roomId: shown.roomId, message: shown }),
          ),
      }),
  );
  useInviteLink(client, connection);
  const [composerFocus] = useState(createComposerFocus);
  const [fileApi] = useState(() => new FileApi(() => current.current.token));
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const threadOpen = useSyncExternalStore(client.subscribe, () => client.getState().thread !== null);
  /** Where focus goes back to when search closes. */
  const beforeSearch = useRef<HTMLElement | null>(null);

  const openSearch = useCallback(() => {
    if (document.activeElement instanceof HTMLElement && !document.activeElement.closest('.search-panel')) {
      beforeSearch.current = document.activeElement;
    }
    setSearchOpen(true);
  }, []);

  const closeSearch = useCallback(() => {
    setSearchOpen(false);
    const back = beforeSearch.current;
    requestAnimationFrame(() => (back?.isConnected ? back.focus() : composerFocus.focus()));
  }, [composerFocus]);

  // A browser does not see the 401 that refuses a handshake with an ended session: after a few
  // failed attempts, ask the server about the session (a renewal answers 401 when it ended).
  useEffect(() => {
    let failures = 0;
    return connection.on('state', (state, retryAt) => {
      if (state === 'online') failures = 0;
      if (state !== 'reconnecting' || retryAt === null || ++failures % attemptsBeforeSessionCheck !== 0) return;
      refreshSession(current.current.token).then(onSession, (error: HttpApiError) => {
        if (error.status === 401) onSignOut('Your session ended. Sign in again.');
      });
    });
  }, [connection, onSession, onSignOut]);

  useEffect(() => {
    client.start();
    const retry = () => connection.retryNow();
    // Back in view: the active room is read. Hidden (or closed): the read positions still
    // waiting for their interval go out now, while the page can still send.
    const read = () => {
      const active = client.getState().activeRoomId;
      if (document.visibilityState !== 'visible') client.sendReadReceipts();
      else if (active !== null) client.markRead(active);
    };
    const leave = () => client.sendReadReceipts();
    // As in most chat apps: Ctrl+K / Cmd+K opens search, Alt+Arrow Up/Down moves to the
    // previous or next conversation (with Shift, the previous or next with unread messages).
    const shortcut = (event: KeyboardEvent) => {
      if (event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        openSearch();
      } else if (event.altKey && !event.ctrlKey && !event.metaKey && /^Arrow(Up|Down)$/.test(event.key)) {
        const { rooms, activeRoomId } = client.getState();
        const next = adjacentConversation(rooms, activeRoomId, event.key === 'ArrowUp' ? -1 : 1, event.shiftKey);
        if (next === null) return;
        event.preventDefault();
        client.selectRoom(next.id);
        // The new room's composer mounts with the render this change causes.
        requestAnimationFrame(() => composerFocus.focus());
      } else if (event.key === 'Escape') {
        setSidebarOpen(false);
      }
    };
    window.addEventListener('keydown', shortcut);
    window.addEventListener('online', retry);
    document.addEventListener('visibilitychange', read);
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('keydown', shortcut);
      window.removeEventListener('online', retry);
      document.removeEventListener('visibilitychange', read);
      window.removeEventListener('pagehide', leave);
      client.stop();
    };
  }, [client, connection, composerFocus, openSearch]);

  return (
    <ChatClientContext.Provider value={client}>
      <FileApiContext.Provider value={fileApi}>
        <ComposerFocusContext.Provider value={composerFocus}>
          <UnreadTitle />
          <div
            className="chat"
            data-sidebar-open={sidebarOpen}
            data-search-open={searchOpen}
            data-thread-open={threadOpen}
          >
            <Sidebar
              onNavigate={() => setSidebarOpen(false)}
              onChangePassword={async (passwords) => {
                // The server closes this connection too: it reconnects with the token read here.
                onSession(await changePassword(current.current.token, passwords));
              }}
              onSignOut={() => {
                client.drafts.clear();
                unsent.clear();
                // Ends the session on the server too; signing out here does not wait for it.
                logOut(current.current.token).catch(() => {});
                onSignOut(null);
              }}
            />
            <button
              type="button"
              className="scrim"
              aria-label="Close menu"
              tabIndex={-1}
              onClick={() => setSidebarOpen(false)}
            />
            <Conversation
              onOpenMenu={() => setSidebarOpen(true)}
              onToggleSearch={() => (searchOpen ? closeSearch() : openSearch())}
              searchOpen={searchOpen}
            />
            <ThreadPanel />
            {searchOpen && (
              <SearchPanel
                onClose={closeSearch}
                onOpened={() => {
                  // On a narrow screen the panel covers the conversation: get it out of the way.
                  if (window.matchMedia(narrowScreen).matches) setSearchOpen(false);
                }}
              />
            )}
            <NoticeToast />
          </div>
        </ComposerFocusContext.Provider>
      </FileApiContext.Provider>
    </ChatClientContext.Provider>
  );
}
