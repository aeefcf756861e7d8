/** Test data written straight to a store, for tests that need a lot of it before they talk to the chat. */
import { randomUUID } from 'node:crypto';
import type { Room, User } from '../src/domain/types.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';

/** `count` messages by `author` in `room`, one after the other. @default text `message <i>` */
export async function appendMessages(
  store: ChatStore,
  room: Room,
  author: User,
  count: number,
  text: (index: number) => string = (index) => `message ${index}`,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store.appendMessage({
      id: randomUUID(),
      roomId: room.id,
      authorId: author.id,
      authorName: author.username,
      text: text(i),
      clientMessageId: null,
      at: Date.now(),
    });
  }
}
