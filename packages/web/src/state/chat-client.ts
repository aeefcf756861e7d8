/**
 * The chat's state as the UI shows it, kept from a `ChatConnection`'s events, and
 * the actions the UI can take. No React: components read it through
 * `useSyncExternalStore(client.subscribe, client.getState)`; every change makes
 * a new state object, unchanged parts keep their identity.
 */
import type {
  ClientLimits,
  HistoryMessage,
  Member,
  MembersMessage,
  Message,
  RoomEvent,
  RoomId,
  RoomJoinedMessage,
  RoomSummary,
  RoomsMessage,
  SearchResult,
  SearchResultsMessage,
  ServerMessage,
  UserSummary,
  WelcomeMessage,
} from '@switchboard/chat/api';
import type { ChatConnection, ConnectionState, PendingSend } from '../connection/chat-connection.ts';
import { emptyTimeline, mergeMessages, type Timeline } from './timeline.ts';
import { addTypist, liveTypists, removeTypist, type Typist } from './typing.ts';

export interface ChatState {
  connection: ConnectionState;
  /** When the next reconnect attempt starts. */
  retryAt: number | null;
  me: UserSummary | null;
  /** Rooms and direct conversations, with server-kept unread counts. */
  rooms: readonly RoomSummary[];
  online: readonly UserSummary[];
  timelines: Readonly<Record<RoomId, Timeline>>;
  typing: Readonly<Record<RoomId, readonly Typist[]>>;
  pending: readonly PendingSend[];
  activeRoomId: RoomId | null;
  members: Readonly<Record<RoomId, readonly Member[]>>;
  /** A message to scroll to and highlight (a search result); `nonce` tells repeated jumps apart. */
  focus: { roomId: RoomId; messageId: string; nonce: number } | null;
  /** The message being edited in place (one at a time). */
  editingId: string | null;
  /** Something that went wrong, for a toast. */
  notice: { id: number; text: string } | null;
  limits: ClientLimits;
}

export interface ChatClientOptions {
  connection: ChatConnection;
  /** Whether the user can see the active room now (so arriving messages count as read). @default () => true */
  isReading?: () => boolean;
  /** @default Date.now */
  now?: () => number;
  /** The token was refused or expired. */
  onUnauthorized?: () => void;
}

/** Messages per history page; jumps to a search result read larger pages. */
const pageSize = 50;
const jumpPageSize = 100;
/** A jump gives up after this many pages rather than reading a huge room. */
const maxJumpPages = 50;

const initialState: ChatState = {
  connection: 'connecting',
  retryAt: null,
  me: null,
  rooms: [],
  online: [],
  timelines: {},
  typing: {},
  pending: [],
  activeRoomId: null,
  members: {},
  focus: null,
  editingId: null,
  notice: null,
  limits: { messageMaxLength: 4000, typingIntervalMs: 2000, typingTtlMs: 5000, historyMaxLimit: 100 },
};

export class ChatClient {
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  readonly #now: () => number;
  readonly #onUnauthorized: () => void;
  readonly #listeners = new Set<() => void>();
  readonly #historyLoads = new Map<RoomId, Promise<void>>();
  readonly #readTimers = new Map<RoomId, ReturnType<typeof setTimeout>>();
  #unsubscribe: Array<() => void> = [];
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  #state: ChatState = initialState;
  #nonce = 0;

  constructor(options: ChatClientOptions) {
    this.#connection = options.connection;
    this.#isReading = options.isReading ?? (() => true);
    this.#now = options.now ?? Date.now;
    this.#onUnauthorized = options.onUnauthorized ?? (() => {});
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getState = (): ChatState => this.#state;

  start(): void {
    const connection = this.#connection;
    this.#unsubscribe = [
      connection.on('state', (state, retryAt) => this.#set({ connection: state, retryAt })),
      connection.on('welcome', (welcome) => this.#onWelcome(welcome)),
      connection.on('roomEvent', (event) => this.#onRoomEvent(event)),
      connection.on('roomReset', (roomId) => this.#onRoomReset(roomId)),
      connection.on('roomGone', (roomId) => this.#removeRoom(roomId)),
      connection.on('frame', (frame) => this.#onFrame(frame)),
      connection.on('pending', (pending) => this.#set({ pending })),
      connection.on('unauthorized', () => this.#onUnauthorized()),
    ];
    connection.connect();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#connection.close();
    if (this.#typingTimer !== null) clearTimeout(this.#typingTimer);
    for (const timer of this.#readTimers.values()) clearTimeout(timer);
    this.#readTimers.clear();
  }

  selectRoom(roomId: RoomId): void {
    if (this.#state.activeRoomId !== roomId) this.#set({ activeRoomId: roomId, editingId: null });
    this.#load(this.ensureHistory(roomId));
    this.markRead(roomId);
    this.#load(this.#loadMembers(roomId));
  }

  /** Reads the newest history page once per room (again after a reset). */
  ensureHistory(roomId: RoomId): Promise<void> {
    if (this.#timeline(roomId).historyLoaded) return Promise.resolve();
    let load = this.#historyLoads.get(roomId);
    if (load === undefined) {
      load = this.#readHistory(roomId, undefined, pageSize).finally(() => this.#historyLoads.delete(roomId));
      this.#historyLoads.set(roomId, load);
    }
    return load;
  }

  /** Reads the page before the oldest loaded message. */
  async loadOlder(roomId: RoomId, limit = pageSize): Promise<void> {
    await this.ensureHistory(roomId);
    const timeline = this.#timeline(roomId);
    if (!timeline.hasMore || timeline.loading) return;
    await this.#readHistory(roomId, timeline.messages[0]?.seq, limit);
  }

  /** Opens the result's room, reads back until its message is loaded, and focuses it. */
  async jumpTo(result: SearchResult): Promise<void> {
    const { roomId, message } = result;
    this.selectRoom(roomId);
    await this.ensureHistory(roomId);
    for (let page = 0; page < maxJumpPages && !this.#has(roomId, message.id); page++) {
      const timeline = this.#timeline(roomId);
      if (!timeline.hasMore || (timeline.messages[0]?.seq ?? 0) <= message.seq) break;
      await this.loadOlder(roomId, jumpPageSize);
    }
    this.#set({ focus: { roomId, messageId: message.id, nonce: ++this.#nonce } });
  }

  send(text: string): void {
    const roomId = this.#state.activeRoomId;
    if (roomId !== null && text.trim() !== '') this.#connection.send(roomId, text);
  }

  retrySend(clientMessageId: string): void {
    this.#connection.retrySend(clientMessageId);
  }

  discardSend(clientMessageId: string): void {
    this.#connection.discardSend(clientMessageId);
  }

  async edit(messageId: string, text: string): Promise<void> {
    await this.#connection.request({ action: 'editMessage', messageId, text });
  }

  async remove(messageId: string): Promise<void> {
    await this.#connection.request({ action: 'deleteMessage', messageId });
  }

  setEditing(messageId: string | null): void {
    this.#set({ editingId: messageId });
  }

  /** Edits the user's latest message in the active room (Arrow Up in an empty composer); false if there is none. */
  editLast(): boolean {
    const { activeRoomId, me } = this.#state;
    if (activeRoomId === null) return false;
    const last = this.#timeline(activeRoomId).messages.findLast(
      (message) => message.authorId === me?.id && message.deletedAt === null,
    );
    if (last === undefined) return false;
    this.#set({ editingId: last.id });
    return true;
  }

  retryNow(): void {
    this.#connection.retryNow();
  }

  typing(): void {
    const roomId = this.#state.activeRoomId;
    if (roomId !== null) this.#connection.typing(roomId);
  }

  async createRoom(name: string): Promise<void> {
    const answer = (await this.#connection.request({ action: 'createRoom', name })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  async joinRoom(roomId: RoomId): Promise<void> {
    const answer = (await this.#connection.request({ action: 'joinRoom', roomId })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  async leaveRoom(roomId: RoomId): Promise<void> {
    await this.#connection.request({ action: 'leaveRoom', roomId });
  }

  async openDirect(userId: string): Promise<void> {
    const answer = (await this.#connection.request({ action: 'openDirect', userId })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  async listRooms(): Promise<RoomsMessage> {
    return (await this.#connection.request({ action: 'listRooms' })) as RoomsMessage;
  }

  async search(query: string): Promise<SearchResult[]> {
    const answer = (await this.#connection.request({ action: 'search', query })) as SearchResultsMessage;
    return answer.results;
  }

  /** Moves the server's read marker to the room's latest event, if the user is looking at it. */
  markRead(roomId: RoomId): void {
    if (this.#readTimers.has(roomId)) return;
    // Coalesces a burst (a catch-up applies many events) into one request.
    this.#readTimers.set(
      roomId,
      setTimeout(() => {
        this.#readTimers.delete(roomId);
        const room = this.#room(roomId);
        if (room === undefined || room.lastReadSeq >= room.lastSeq || !this.#isReading()) return;
        if (this.#state.activeRoomId !== roomId || this.#state.connection !== 'online') return;
        this.#load(this.#connection.request({ action: 'markRead', roomId, seq: room.lastSeq }));
      }, 50),
    );
  }

  dismissNotice(): void {
    this.#set({ notice: null });
  }

  /** Shows a failed action's message. */
  notify(text: string): void {
    this.#set({ notice: { id: ++this.#nonce, text } });
  }

  #onWelcome(welcome: WelcomeMessage): void {
    const active = this.#state.activeRoomId;
    const keep = welcome.rooms.some((room) => room.id === active);
    const fallback = welcome.rooms.find((room) => room.name === 'general') ?? welcome.rooms[0];
    this.#set({
      me: welcome.user,
      rooms: welcome.rooms,
      online: welcome.online,
      limits: welcome.limits,
      activeRoomId: keep ? active : (fallback?.id ?? null),
    });
    if (this.#state.activeRoomId !== null) this.selectRoom(this.#state.activeRoomId);
  }

  #onRoomEvent(event: RoomEvent): void {
    const room = this.#room(event.roomId);
    const isNew = room !== undefined && event.seq > room.lastSeq;
    if (event.type === 'memberJoined' || event.type === 'memberLeft') {
      this.#updateMembers(event.roomId, event.user, event.type === 'memberJoined');
      if (isNew) this.#updateRoom(event.roomId, { lastSeq: event.seq });
      return;
    }
    const { message } = event;
    const timeline = this.#timeline(event.roomId);
    const messages = mergeMessages(timeline.messages, [message]);
    if (messages !== timeline.messages) this.#setTimeline(event.roomId, { messages });
    if (event.type === 'message')
      this.#setTypists(event.roomId, removeTypist(this.#typists(event.roomId), message.authorId));
    if (!isNew) return;
    // Counts moved on by this event only; older events were already counted in the welcome.
    const byOther = message.authorId !== this.#state.me?.id;
    let unread = room.unread;
    if (event.type === 'message' && byOther && message.deletedAt === null) unread += 1;
    if (event.type === 'messageDeleted' && byOther && message.seq > room.lastReadSeq) unread = Math.max(0, unread - 1);
    this.#updateRoom(event.roomId, { lastSeq: event.seq, unread });
    if (event.roomId === this.#state.activeRoomId) this.markRead(event.roomId);
  }

  #onFrame(frame: ServerMessage): void {
    switch (frame.type) {
      case 'roomJoined': {
        this.#connection.trackRoom(frame.room);
        const rooms = this.#state.rooms.filter((room) => room.id !== frame.room.id);
        this.#set({ rooms: [...rooms, frame.room] });
        break;
      }
      case 'roomLeft':
        this.#removeRoom(frame.roomId);
        break;
      case 'read':
        this.#updateRoom(frame.roomId, { lastReadSeq: frame.lastReadSeq, unread: frame.unread });
        break;
      case 'presence': {
        const others = this.#state.online.filter((user) => user.id !== frame.user.id);
        const online = frame.online ? [...others, frame.user] : others;
        if (online.length !== this.#state.online.length || frame.online) this.#set({ online });
        this.#setMembersOnline(frame.user.id, frame.online);
        break;
      }
      case 'typing':
        if (frame.user.id === this.#state.me?.id) break;
        this.#setTypists(frame.roomId, addTypist(this.#typists(frame.roomId), frame.user, this.#now() + frame.ttlMs));
        break;
      case 'online':
        this.#set({ online: frame.users });
        break;
      case 'members':
        this.#set({ members: { ...this.#state.members, [frame.roomId]: frame.members } });
        break;
      case 'error':
        this.notify(frame.message);
        break;
    }
  }

  #onRoomReset(roomId: RoomId): void {
    const { [roomId]: _dropped, ...timelines } = this.#state.timelines;
    this.#set({ timelines });
    if (roomId === this.#state.activeRoomId) this.#load(this.ensureHistory(roomId));
  }

  #removeRoom(roomId: RoomId): void {
    this.#connection.forgetRoom(roomId);
    const rooms = this.#state.rooms.filter((room) => room.id !== roomId);
    const { [roomId]: _timeline, ...timelines } = this.#state.timelines;
    const active = this.#state.activeRoomId === roomId ? null : this.#state.activeRoomId;
    this.#set({ rooms, timelines, activeRoomId: active });
    if (active === null) {
      const next = rooms.find((room) => room.name === 'general') ?? rooms[0];
      if (next !== undefined) this.selectRoom(next.id);
    }
  }

  async #readHistory(roomId: RoomId, before: number | undefined, limit: number): Promise<void> {
    this.#setTimeline(roomId, { loading: true });
    try {
      const page = (await this.#connection.request({
        action: 'history',
        roomId,
        limit,
        ...(before === undefined ? {} : { before }),
      })) as HistoryMessage;
      const timeline = this.#timeline(roomId);
      this.#setTimeline(roomId, {
        messages: mergeMessages(timeline.messages, page.messages),
        historyLoaded: true,
        hasMore: page.hasMore,
      });
    } finally {
      this.#setTimeline(roomId, { loading: false });
    }
  }

  async #loadMembers(roomId: RoomId): Promise<void> {
    const answer = (await this.#connection.request({ action: 'members', roomId })) as MembersMessage;
    this.#set({ members: { ...this.#state.members, [roomId]: answer.members } });
  }

  #updateMembers(roomId: RoomId, user: UserSummary, joined: boolean): void {
    const members = this.#state.members[roomId];
    if (members === undefined) return;
    const others = members.filter((member) => member.user.id !== user.id);
    const online = this.#state.online.some((candidate) => candidate.id === user.id);
    const next = joined ? [...others, { user, joinedAt: this.#now(), online }] : others;
    this.#set({ members: { ...this.#state.members, [roomId]: next } });
  }

  #setMembersOnline(userId: string, online: boolean): void {
    const members: Record<RoomId, readonly Member[]> = {};
    for (const [roomId, list] of Object.entries(this.#state.members)) {
      members[roomId] = list.map((member) => (member.user.id === userId ? { ...member, online } : member));
    }
    this.#set({ members });
  }

  #setTypists(roomId: RoomId, typists: readonly Typist[]): void {
    if (typists === this.#typists(roomId)) return;
    this.#set({ typing: { ...this.#state.typing, [roomId]: typists } });
    this.#scheduleTypingExpiry();
  }

  /** One timer, at the earliest expiry, removes typists whose `ttlMs` ran out. */
  #scheduleTypingExpiry(): void {
    if (this.#typingTimer !== null) clearTimeout(this.#typingTimer);
    this.#typingTimer = null;
    const expiries = Object.values(this.#state.typing).flatMap((typists) => typists.map((typist) => typist.expiresAt));
    if (expiries.length === 0) return;
    this.#typingTimer = setTimeout(
      () => {
        this.#typingTimer = null;
        const now = this.#now();
        const typing: Record<RoomId, readonly Typist[]> = {};
        for (const [roomId, typists] of Object.entries(this.#state.typing)) {
          const live = liveTypists(typists, now);
          if (live.length > 0) typing[roomId] = live;
        }
        this.#set({ typing });
        this.#scheduleTypingExpiry();
      },
      Math.max(0, Math.min(...expiries) - this.#now()),
    );
  }

  #has(roomId: RoomId, messageId: string): boolean {
    return this.#timeline(roomId).messages.some((message: Message) => message.id === messageId);
  }

  #room(roomId: RoomId): RoomSummary | undefined {
    return this.#state.rooms.find((room) => room.id === roomId);
  }

  #timeline(roomId: RoomId): Timeline {
    return this.#state.timelines[roomId] ?? emptyTimeline;
  }

  #typists(roomId: RoomId): readonly Typist[] {
    return this.#state.typing[roomId] ?? [];
  }

  #updateRoom(roomId: RoomId, change: Partial<RoomSummary>): void {
    this.#set({ rooms: this.#state.rooms.map((room) => (room.id === roomId ? { ...room, ...change } : room)) });
  }

  #setTimeline(roomId: RoomId, change: Partial<Timeline>): void {
    const timeline = { ...this.#timeline(roomId), ...change };
    this.#set({ timelines: { ...this.#state.timelines, [roomId]: timeline } });
  }

  /** Runs a background request; a failure becomes a notice (a dropped socket needs none: the state shows it). */
  #load(work: Promise<unknown>): void {
    work.catch((error: { code?: string; message?: string }) => {
      if (error.code !== 'DISCONNECTED') this.notify(error.message ?? String(error));
    });
  }

  #set(change: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...change };
    for (const listener of this.#listeners) listener();
  }
}
