/** The running `ChatClient` for the components below `ChatScreen`, and a selector hook over its state. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatClient } from '../state/chat-client.ts';
import type { ChatState } from '../state/chat-state.ts';

export const ChatClientContext = createContext<ChatClient | null>(null);

export function useChatClient(): ChatClient {
  const client = useContext(ChatClientContext);
  if (client === null) throw new Error('useChatClient() must be used inside <ChatClientContext.Provider>.');
  return client;
}

/** Re-renders when the selected part of the state changes identity (select stable parts, not new objects). */
export function useChat<T>(select: (state: ChatState) => T): T {
  const client = useChatClient();
  return useSyncExternalStore(client.subscribe, () => select(client.getState()));
}
