/**
 * Who else is typing in each room (`state.typing`): an entry per `typing` frame,
 * ended at once by the typist's message or when its `ttlMs` runs out, under one
 * timer set at the earliest expiry. The pure parts are typing.ts.
 */
import type { RoomId, TypingMessage, UserId } from '@switchboard/chat/api';
import type { ChatStateStore } from './chat-state.ts';
import { addTypist, liveTypists, removeTypist, type Typist } from './typing.ts';

export class Typists {
  readonly #store: ChatStateStore;
  readonly #now: () => number;
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(store: ChatStateStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** Someone else is typing (the user's own frames are not shown). */
  onTyping(frame: TypingMessage): void {
    if (frame.user.id === this.#store.state.me?.id) return;
    this.#set(frame.roomId, addTypist(this.#typists(frame.roomId), frame.user, this.#now() + frame.ttlMs));
  }

  /** The author's message arrived: they are no longer typing it. */
  onMessage(roomId: RoomId, authorId: UserId): void {
    this.#set(roomId, removeTypist(this.#typists(roomId), authorId));
  }

  stop(): void {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
  }

  #typists(roomId: RoomId): readonly Typist[] {
    return this.#store.state.typing[roomId] ?? [];
  }

  #set(roomId: RoomId, typists: readonly Typist[]): void {
    if (typists === this.#typists(roomId)) return;
    this.#store.set({ typing: { ...this.#store.state.typing, [roomId]: typists } });
    this.#scheduleExpiry();
  }

  /** One timer, at the earliest expiry, removes typists whose `ttlMs` ran out. */
  #scheduleExpiry(): void {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    const expiries = Object.values(this.#store.state.typing).flatMap((typists) =>
      typists.map((typist) => typist.expiresAt),
    );
    if (expiries.length === 0) return;
    this.#expiryTimer = setTimeout(
      () => {
        this.#expiryTimer = null;
        const now = this.#now();
        const typing: Record<RoomId, readonly Typist[]> = {};
        for (const [roomId, typists] of Object.entries(this.#store.state.typing)) {
          const live = liveTypists(typists, now);
          if (live.length > 0) typing[roomId] = live;
        }
        this.#store.set({ typing });
        this.#scheduleExpiry();
      },
      Math.max(0, Math.min(...expiries) - this.#now()),
    );
  }
}
