/**
 * The chat's state as the UI sees it: one immutable object, replaced by every
 * change (unchanged parts keep their identity), read through one
 * `subscribe`/`getState` pair (`useSyncExternalStore`). `ChatClient` and each of
 * its parts (threads.ts, roster.ts, ...) read and change the state here, so there
 * is one state and one way to tell the listeners, batched while a frame's events
 * are applied.
 */
import type { ClientLimits, Message, RoomId, RoomSummary, UserSummary } from '@switchboard/chat/api';
import type { ConnectionState } from '../connection/chat-connection.ts';
import type { PendingSend } from '../connection/outbox.ts';
import type { MemberList } from './member-list.ts';
import type { ThreadPanel } from './thread-panel.ts';
import { emptyTimeline, type Timeline } from './timeline.ts';
import type { Typist } from './typing.ts';

export interface ChatState {
  connection: ConnectionState;
  /** When the next reconnect attempt starts. */
  retryAt: number | null;
  me: UserSummary | null;
  /** The signed-in user is one of the server's admins (may deactivate accounts). */
  serverAdmin: boolean;
  /** Rooms and direct conversations, with server-kept unread counts. */
  rooms: readonly RoomSummary[];
  /** Who is online, as far as loaded (the server lists them in pages). */
  online: readonly UserSummary[];
  /** More online users follow (`loadMoreOnline`); null when all are loaded (or the server's cursors would never end). */
  onlineCursor: string | null;
  timelines: Readonly<Record<RoomId, Timeline>>;
  typing: Readonly<Record<RoomId, readonly Typist[]>>;
  pending: readonly PendingSend[];
  activeRoomId: RoomId | null;
  /**
   * Where the "new messages" divider goes in the active room: after `afterSeq`, the
   * read marker when the room was opened with unread messages (marking it read
   * moves the marker at once, so it is kept here until another room is opened).
   */
  newSince: { roomId: RoomId; afterSeq: number } | null;
  /**
   * The room the user marked unread (`markUnread`): it stays unread, badge included,
   * while it stays open; opening another room ends that.
   */
  keptUnread: RoomId | null;
  /** The loaded part of each opened room's member list (`loadMoreMembers` reads on). */
  members: Readonly<Record<RoomId, MemberList>>;
  /** A message to scroll to and highlight (a search result); `nonce` tells repeated jumps apart. */
  focus: { roomId: RoomId; messageId: string; nonce: number } | null;
  /** The message being edited in place (one at a time), and where the edit was started (focus goes back there). */
  editing: { messageId: string; from: EditOrigin } | null;
  /** The thread open beside the active room, if any. */
  thread: ThreadPanel | null;
  /** How far the user has read each thread they follow, by root id, as far as known (thread-panel.ts). */
  threadReads: Readonly<Record<string, number>>;
  /** The thread roots seen (in `threads` pages, thread pages and `threadUpdated` events), by id: for the unread threads of a room. */
  threadRoots: Readonly<Record<string, Message>>;
  /** Something that went wrong, for a toast. */
  notice: { id: number; text: string } | null;
  limits: ClientLimits;
}

/**
 * Where an edit was started: the composer (Arrow Up), the message in the room's
 * list, or the message in the open thread (which is where its editor shows).
 */
export type EditOrigin = 'composer' | 'message' | 'thread';

const initialState: ChatState = {
  connection: 'connecting',
  retryAt: null,
  me: null,
  serverAdmin: false,
  rooms: [],
  online: [],
  onlineCursor: null,
  timelines: {},
  typing: {},
  pending: [],
  activeRoomId: null,
  newSince: null,
  keptUnread: null,
  members: {},
  focus: null,
  editing: null,
  thread: null,
  threadReads: {},
  threadRoots: {},
  notice: null,
  limits: {
    messageMaxLength: 4000,
    typingIntervalMs: 2000,
    typingTtlMs: 5000,
    historyMaxLimit: 100,
    heartbeatIntervalMs: 25_000,
    // Known from the welcome: until then, no files.
    files: null,
  },
};

export class ChatStateStore {
  readonly #listeners = new Set<() => void>();
  #state: ChatState = initialState;
  /** One counter for notice ids and focus nonces: each tells repeated ones apart. */
  #nonce = 0;
  /** Inside a batch: changes are collected and listeners told once at its end. */
  #batching = false;
  #changed = false;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The state, as a function that needs no `this` (what `useSyncExternalStore` calls). */
  readonly getState = (): ChatState => this.#state;

  /** The state, for the client's own code. */
  get state(): ChatState {
    return this.#state;
  }

  set(change: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...change };
    if (this.#batching) this.#changed = true;
    else this.#emitChange();
  }

  /** Runs `apply` with its changes collected, then tells the listeners once if anything changed. */
  batch(apply: () => void): void {
    this.#batching = true;
    try {
      apply();
    } finally {
      this.#batching = false;
      if (this.#changed) this.#emitChange();
    }
  }

  nextNonce(): number {
    return ++this.#nonce;
  }

  room(roomId: RoomId): RoomSummary | undefined {
    return this.#state.rooms.find((room) => room.id === roomId);
  }

  timeline(roomId: RoomId): Timeline {
    return this.#state.timelines[roomId] ?? emptyTimeline;
  }

  updateRoom(roomId: RoomId, change: Partial<RoomSummary>): void {
    this.set({ rooms: this.#state.rooms.map((room) => (room.id === roomId ? { ...room, ...change } : room)) });
  }

  setTimeline(roomId: RoomId, change: Partial<Timeline>): void {
    const timeline = { ...this.timeline(roomId), ...change };
    this.set({ timelines: { ...this.#state.timelines, [roomId]: timeline } });
  }

  /** Shows a failed action's message. */
  notify(text: string): void {
    this.set({ notice: { id: this.nextNonce(), text } });
  }

  /** Runs a background request; a failure becomes a notice (a dropped socket needs none: the state shows it). */
  load(work: Promise<unknown>): void {
    work.catch((error: { code?: string; message?: string }) => {
      if (error.code !== 'DISCONNECTED') this.notify(error.message ?? String(error));
    });
  }

  #emitChange(): void {
    this.#changed = false;
    for (const listener of this.#listeners) listener();
  }
}
