/**
 * The chat's state as the UI shows it, kept from a `ChatConnection`'s events, and
 * the actions the UI can take. No React: components read it through
 * `useSyncExternalStore(client.subscribe, client.getState)`; every change makes
 * a new state object, unchanged parts keep their identity (chat-state.ts).
 *
 * Events from the connection are queued and applied together once per frame
 * (`scheduleFlush`), with one notification: a burst of a thousand messages costs
 * a few renders, not a thousand, and the messages of one flush are merged into a
 * room's timeline at once.
 *
 * `ChatClient` applies the events and keeps the rooms (which one is open, their
 * counts), what is done to messages (sending, editing, pins, reactions) and the
 * notices; the rest is kept by parts, each changing the one state of chat-state.ts:
 *
 * | part           | file                   | what it keeps                                                     |
 * |----------------|------------------------|-------------------------------------------------------------------|
 * | read markers   | read-markers.ts        | how far each room is read (`markRead`, `markUnread`)              |
 * | threads        | threads.ts             | the open thread, the roots seen, how far each thread is read      |
 * | history        | room-history.ts        | the history pages of each room, and reading back to a message     |
 * | roster         | roster.ts              | who is online, the loaded part of each opened room's member list  |
 * | typists        | typists.ts             | who else is typing, until their message or the frame's `ttlMs`    |
 * | administration | room-administration.ts | what a room's owner and admins (and a server admin) may do        |
 *
 * The UI reaches the parts' actions through `ChatClient`, as opening a room and
 * applying events tie them together; administration alone is `client.admin`, as
 * its requests change no state of their own.
 */
import type {
  AttachmentInput,
  Message,
  NotificationSettings,
  NotificationsMessage,
  RoomEvent,
  RoomId,
  RoomJoinedMessage,
  RoomListing,
  RoomSummary,
  RoomsMessage,
  RoomVisibility,
  SearchResult,
  SearchResultsMessage,
  ServerMessage,
  ThreadRead,
  UserSummary,
  UsersMessage,
  WelcomeMessage,
} from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';
import type { CursorTrail } from '../connection/cursor-trail.ts';
import { ChatStateStore, type EditOrigin } from './chat-state.ts';
import { Drafts } from './drafts.ts';
import { mentionsUser } from './mentions.ts';
import { ReadMarkers } from './read-markers.ts';
import { RoomAdministration } from './room-administration.ts';
import { RoomHistory } from './room-history.ts';
import { Roster } from './roster.ts';
import { inTimeline } from './thread-panel.ts';
import { Threads } from './threads.ts';
import { type MessagePart, mergeMessages } from './timeline.ts';
import { Typists } from './typists.ts';

export interface ChatClientOptions {
  connection: ChatConnection;
  /** Unsent text per room. @default kept in memory only */
  drafts?: Drafts;
  /** Whether the user can see the active room now (so arriving messages count as read). @default () => true */
  isReading?: () => boolean;
  /**
   * The least time between two read positions sent for one room (`markRead`
   * requests cost as much as messages); the latest goes out when the interval
   * is over, or at once when the user leaves the room or hides the page.
   * @default 5000
   */
  readReceiptIntervalMs?: number;
  /** @default Date.now */
  now?: () => number;
  /** The token was refused or expired. */
  onUnauthorized?: () => void;
  /**
   * The most messages kept per room: live messages beyond it push the oldest out
   * (they can be read back with `history`), so a long-open tab stays bounded.
   * @default 10000
   */
  maxLoadedMessages?: number;
  /**
   * Pages of online users read by themselves after each `welcome` (100 users
   * each); the rest wait for `loadMoreOnline`, so a deployment with many
   * thousands online does not make every connect read them all.
   * @default 10
   */
  onlinePages?: number;
  /**
   * How often the online list (and the loaded members' online dots) is read
   * again while the page is being read: rooms larger than the server's
   * presence limit send no `presence` frames (docs/protocol.md, "presence").
   * @default 120000
   */
  onlineRefreshMs?: number;
  /**
   * A new message by someone else was applied (live or caught up), with its
   * room as it is now: where browser notifications start (notification-rules.ts).
   * @default nothing
   */
  onMessage?: (message: Message, room: RoomSummary) => void;
  /**
   * Runs `flush` once, soon: connection events wait in a queue until then and
   * are applied in one state change.
   * @default nextFrame (the next animation frame, or a short timer when the page is hidden)
   */
  scheduleFlush?: (flush: () => void) => void;
}

/** A page of the directory of public rooms. */
export interface DirectoryPage {
  rooms: RoomListing[];
  /** More follow: `directoryPage(nextCursor)`. */
  nextCursor: string | null;
}

/** A page of people found by name. */
export interface PeoplePage {
  users: UserSummary[];
  /** More follow: `findUsers` with the same query and this cursor. */
  nextCursor: string | null;
}

/** One connection event waiting to be applied, in arrival order. */
type QueuedEvent = { kind: 'roomEvent'; event: RoomEvent } | { kind: 'other'; apply: () => void };

export class ChatClient {
  /** Unsent text per room (not part of the state: typing must not render the whole chat). */
  readonly drafts: Drafts;
  /** What a room's owner and admins (and a server admin) may do. */
  readonly admin: RoomAdministration;
  readonly #store = new ChatStateStore();
  readonly subscribe = this.#store.subscribe;
  readonly getState = this.#store.getState;
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  readonly #onUnauthorized: () => void;
  readonly #onMessage: (message: Message, room: RoomSummary) => void;
  readonly #readMarkers: ReadMarkers;
  readonly #threads: Threads;
  readonly #history: RoomHistory;
  readonly #roster: Roster;
  readonly #typists: Typists;
  #unsubscribe: Array<() => void> = [];
  readonly #scheduleFlush: (flush: () => void) => void;
  readonly #maxLoadedMessages: number;
  #queue: QueuedEvent[] = [];
  #flushScheduled = false;

  constructor(options: ChatClientOptions) {
    this.#connection = options.connection;
    this.drafts = options.drafts ?? new Drafts('', null);
    this.#isReading = options.isReading ?? (() => true);
    const now = options.now ?? Date.now;
    this.#onUnauthorized = options.onUnauthorized ?? (() => {});
    this.#onMessage = options.onMessage ?? (() => {});
    this.#scheduleFlush = options.scheduleFlush ?? nextFrame;
    this.#maxLoadedMessages = options.maxLoadedMessages ?? 10_000;
    const receiptTiming = { intervalMs: options.readReceiptIntervalMs, now };
    this.#readMarkers = new ReadMarkers(this.#store, this.#connection, this.#isReading, receiptTiming);
    this.#threads = new Threads(this.#store, this.#connection, this.#isReading, receiptTiming);
    this.#history = new RoomHistory(this.#store, this.#connection);
    this.#roster = new Roster(this.#store, this.#connection, {
      isReading: this.#isReading,
      now,
      onlinePages: options.onlinePages ?? 10,
      onlineRefreshMs: options.onlineRefreshMs ?? 120_000,
    });
    this.#typists = new Typists(this.#store, now);
    this.admin = new RoomAdministration(this.#connection);
  }

  start(): void {
    const connection = this.#connection;
    const later = (apply: () => void) => this.#enqueue({ kind: 'other', apply });
    this.#unsubscribe = [
      connection.on('state', (state, retryAt) => later(() => this.#store.set({ connection: state, retryAt }))),
      connection.on('welcome', (welcome) => later(() => this.#onWelcome(welcome))),
      connection.on('rooms', (rooms) => later(() => this.#upsertRooms(rooms))),
      connection.on('roomEvent', (event) => this.#enqueue({ kind: 'roomEvent', event })),
      connection.on('roomReset', (roomId) => later(() => this.#onRoomReset(roomId))),
      connection.on('roomGone', (roomId) => later(() => this.#removeRoom(roomId))),
      connection.on('frame', (frame) => later(() => this.#onFrame(frame))),
      connection.on('pending', (pending) => later(() => this.#store.set({ pending }))),
      connection.on('throttled', (retryAfterMs) =>
        later(() => this.notify(`Sending too fast: trying again in ${Math.ceil(retryAfterMs / 1000)} s.`)),
      ),
      connection.on('unauthorized', () => later(() => this.#onUnauthorized())),
    ];
    // Sends kept from before a reload show as pending until they are acknowledged.
    later(() => this.#store.set({ pending: connection.pending }));
    connection.connect();
    this.#roster.startRefreshing();
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#queue = [];
    // The last read positions go out before the socket closes.
    this.#readMarkers.stop();
    this.#threads.stop();
    this.#connection.close();
    this.#typists.stop();
    this.#roster.stopRefreshing();
  }

  retryNow(): void {
    this.#connection.retryNow();
  }

  // Rooms.

  selectRoom(roomId: RoomId): void {
    const previous = this.#store.state.activeRoomId;
    if (previous !== roomId) {
      if (previous !== null) this.#readMarkers.flush(previous);
      const room = this.#store.room(roomId);
      const newSince = room !== undefined && room.unread > 0 ? { roomId, afterSeq: room.lastReadSeq } : null;
      const { thread } = this.#store.state;
      if (thread !== null && thread.roomId !== roomId) this.#threads.close();
      this.#store.set({ activeRoomId: roomId, editing: null, newSince, keptUnread: null });
    }
    this.#store.load(this.#history.ensure(roomId));
    this.markRead(roomId);
    this.#store.load(this.#roster.loadMembers(roomId));
    // The newest threads the user follows here, for their unread markers.
    this.#store.load(this.#threads.followed(roomId));
  }

  async createRoom(name: string, visibility: RoomVisibility = 'public'): Promise<void> {
    const answer = (await this.#connection.request({ action: 'createRoom', name, visibility })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  /** Joins the room of an invite link and opens it. */
  async redeemInvite(token: string): Promise<void> {
    const answer = (await this.#connection.request({ action: 'redeemInvite', token })) as RoomJoinedMessage;
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

  /** Opens (or finds) the group conversation of the user and `userIds`, the 2 to 7 others. */
  async openGroup(userIds: readonly string[]): Promise<void> {
    const answer = (await this.#connection.request({
      action: 'openGroup',
      userIds: [...userIds],
    })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  /** Your notification settings for a room; every device of yours hears them (docs/protocol.md, "setNotifications"). */
  async setNotifications(roomId: RoomId, settings: NotificationSettings): Promise<void> {
    const answer = await this.#connection.request({ action: 'setNotifications', roomId, ...settings });
    if (answer.type === 'notifications') this.#onNotifications(answer);
  }

  // Messages.

  /** Sends `text` (and uploaded files: then the text may be empty) to the active room and clears the room's draft. */
  send(text: string, attachments: AttachmentInput[] = []): void {
    const roomId = this.#store.state.activeRoomId;
    if (roomId === null || (text.trim() === '' && attachments.length === 0)) return;
    this.#connection.send(roomId, text, attachments);
    this.drafts.set(roomId, '');
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

  /** Pins (`pin`) or unpins a message; the change shows when its event is applied. */
  async pin(messageId: string, pin: boolean): Promise<void> {
    await this.#connection.request({ action: pin ? 'pinMessage' : 'unpinMessage', messageId });
  }

  /** The room's pinned messages, oldest first (one page: a room holds at most 25). */
  async pins(roomId: RoomId): Promise<readonly Message[]> {
    const answer = await this.#connection.request({ action: 'pins', roomId });
    return answer.type === 'pins' ? answer.messages : [];
  }

  /** Adds (`add`) or removes your reaction; the change shows when its `messageReacted` event is applied. */
  async react(messageId: string, emoji: string, add: boolean): Promise<void> {
    await this.#connection.request({ action: add ? 'addReaction' : 'removeReaction', messageId, emoji });
  }

  /** Opens the editor on a message (`from` says where focus returns when it closes), or closes it with null. */
  setEditing(messageId: string | null, from: EditOrigin = 'message'): void {
    this.#store.set({ editing: messageId === null ? null : { messageId, from } });
  }

  /** Edits the user's latest message in the active room (Arrow Up in an empty composer); false if there is none. */
  editLast(): boolean {
    const { activeRoomId, me } = this.#store.state;
    if (activeRoomId === null) return false;
    const last = this.#store
      .timeline(activeRoomId)
      .messages.findLast((message) => message.authorId === me?.id && message.deletedAt === null);
    if (last === undefined) return false;
    this.setEditing(last.id, 'composer');
    return true;
  }

  typing(): void {
    const roomId = this.#store.state.activeRoomId;
    if (roomId !== null) this.#connection.typing(roomId);
  }

  // Finding people and rooms.

  /**
   * A page of the people whose username starts with `query` (`findUsers`),
   * online or not: the first without a cursor. Asked once, not retried: a lookup
   * follows what the user types, and the next keystroke asks again.
   */
  async findUsers(query: string, cursor?: string): Promise<PeoplePage> {
    const page = (await this.#connection.request({
      action: 'findUsers',
      query,
      ...(cursor !== undefined && { cursor }),
    })) as UsersMessage;
    return { users: page.users, nextCursor: page.nextCursor ?? null };
  }

  /**
   * A page of the directory of public rooms, by name: the first without a
   * cursor. `listRooms` lists the user's own rooms first; those pages are read
   * through here until the directory starts. `trail` follows one reading of the
   * directory from its first page (a new one for each), so a server whose
   * cursors never end cannot keep it reading.
   */
  async directoryPage(trail: CursorTrail, cursor?: string): Promise<DirectoryPage> {
    let next = cursor;
    for (;;) {
      const page = (await this.#connection.requestPage({
        action: 'listRooms',
        ...(next === undefined ? {} : { cursor: next }),
      })) as RoomsMessage;
      const found = trail.next(page.nextCursor, page.joined.length + page.directory.length);
      if (page.directory.length > 0 || found === null) return { rooms: page.directory, nextCursor: found };
      next = found;
    }
  }

  async search(query: string): Promise<SearchResult[]> {
    const answer = (await this.#connection.request({ action: 'search', query })) as SearchResultsMessage;
    return answer.results;
  }

  // Threads (threads.ts).

  followsThread(roomId: RoomId, rootId: string): boolean {
    return this.#threads.follows(roomId, rootId);
  }

  openThread(rootId: string): void {
    this.#threads.open(rootId);
  }

  closeThread(): void {
    this.#threads.close();
  }

  loadOlderReplies(): Promise<void> {
    return this.#threads.loadOlderReplies();
  }

  reply(text: string, alsoToRoom: boolean, clientMessageId: string): Promise<void> {
    return this.#threads.reply(text, alsoToRoom, clientMessageId);
  }

  threads(roomId: RoomId, before?: number): Promise<{ threads: readonly ThreadRead[]; hasMore: boolean }> {
    return this.#threads.followed(roomId, before);
  }

  // History (room-history.ts).

  loadOlder(roomId: RoomId): Promise<void> {
    return this.#history.loadOlder(roomId);
  }

  /**
   * Opens the message's room (a search result, a pin), reads back until the
   * message is loaded, and focuses it; for a reply only in its thread, opens the thread.
   */
  async jumpTo(result: Pick<SearchResult, 'roomId' | 'message'>): Promise<void> {
    const { roomId, message } = result;
    this.selectRoom(roomId);
    // A reply not sent to the room is only in its thread.
    if (message.threadRootId !== null && !inTimeline(message)) {
      this.#threads.open(message.threadRootId);
      return;
    }
    await this.#history.focus(roomId, message);
  }

  // Who is online and the rooms' members (roster.ts).

  loadMoreOnline(): Promise<void> {
    return this.#roster.loadMoreOnline();
  }

  loadMoreMembers(roomId: RoomId): Promise<void> {
    return this.#roster.loadMoreMembers(roomId);
  }

  // Read markers (read-markers.ts).

  markRead(roomId: RoomId): void {
    this.#readMarkers.markRead(roomId);
  }

  markUnread(message: Message): Promise<void> {
    return this.#readMarkers.markUnread(message);
  }

  /** Sends the read positions still waiting for their interval (the page is being hidden or closed). */
  sendReadReceipts(): void {
    this.#readMarkers.flush();
    this.#threads.sendReadReceipts();
  }

  // Notices.

  dismissNotice(): void {
    this.#store.set({ notice: null });
  }

  /** Shows a failed action's message. */
  notify(text: string): void {
    this.#store.notify(text);
  }

  #onWelcome(welcome: WelcomeMessage): void {
    // The welcome holds the first page of the rooms: the others known stay until the
    // connection has read every page (it reports those no page names as gone).
    this.#upsertRooms(welcome.rooms);
    const { rooms, activeRoomId } = this.#store.state;
    const keep = rooms.some((room) => room.id === activeRoomId);
    const fallback = rooms.find((room) => room.name === 'general') ?? welcome.rooms[0];
    this.#roster.welcome(welcome);
    this.#history.retryFailed();
    this.#store.set({
      me: welcome.user,
      serverAdmin: welcome.serverAdmin,
      limits: welcome.limits,
      activeRoomId: keep ? activeRoomId : (fallback?.id ?? null),
    });
    const { activeRoomId: active } = this.#store.state;
    if (active !== null) this.selectRoom(active);
    // Positions read while offline.
    this.#readMarkers.flush();
    this.#store.load(this.#roster.readOnlinePages());
  }

  /** Adds rooms, or replaces what was known of them (a marker moved back meanwhile is kept: read-markers.ts). */
  #upsertRooms(summaries: readonly RoomSummary[]): void {
    if (summaries.length === 0) return;
    this.#readMarkers.listed(summaries);
    const fresh = new Map(summaries.map((room) => [room.id, room]));
    const rooms = this.#store.state.rooms.map((room) => fresh.get(room.id) ?? room);
    const known = new Set(rooms.map((room) => room.id));
    this.#store.set({ rooms: [...rooms, ...summaries.filter((room) => !known.has(room.id))] });
  }

  #enqueue(item: QueuedEvent): void {
    this.#queue.push(item);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    this.#scheduleFlush(() => this.#flush());
  }

  /** Applies every queued event in order, then tells the listeners once. */
  #flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    this.#store.batch(() => {
      let run: RoomEvent[] = [];
      for (const item of queue) {
        if (item.kind === 'roomEvent') {
          run.push(item.event);
          continue;
        }
        this.#applyRoomEvents(run);
        run = [];
        item.apply();
      }
      this.#applyRoomEvents(run);
    });
  }

  /** Applies consecutive room events: the bookkeeping per event, the messages merged per room at once. */
  #applyRoomEvents(events: readonly RoomEvent[]): void {
    if (events.length === 0) return;
    const messages = new Map<RoomId, Message[]>();
    const parts = new Map<Message, MessagePart>();
    for (const event of events) {
      if (!('message' in event)) continue;
      if (event.type === 'messageReacted') parts.set(event.message, 'reactions');
      if (event.type === 'messagePinned' || event.type === 'messageUnpinned') parts.set(event.message, 'pin');
      if (event.type === 'threadUpdated') parts.set(event.message, 'thread');
      // A reply not sent to the room shows in its thread only.
      if (!inTimeline(event.message)) continue;
      const list = messages.get(event.roomId);
      if (list === undefined) messages.set(event.roomId, [event.message]);
      else list.push(event.message);
    }
    for (const [roomId, incoming] of messages) {
      const timeline = this.#store.timeline(roomId);
      const merged = mergeMessages(timeline.messages, incoming, parts);
      if (merged === timeline.messages) continue;
      // A tab left open on a busy room keeps the newest messages; older ones are read back from history.
      const excess = merged.length - this.#maxLoadedMessages;
      if (excess > 0) this.#store.setTimeline(roomId, { messages: merged.slice(excess), hasMore: true });
      else this.#store.setTimeline(roomId, { messages: merged });
    }
    this.#threads.applyEvents(events, parts);
    for (const event of events) this.#onRoomEvent(event);
  }

  /** The room's counts and members after one event (its message is already merged). */
  #onRoomEvent(event: RoomEvent): void {
    const room = this.#store.room(event.roomId);
    const isNew = room !== undefined && event.seq > room.lastSeq;
    if (event.type === 'memberJoined' || event.type === 'memberLeft') {
      this.#roster.onMembership(event.roomId, event.user, event.type === 'memberJoined');
      if (isNew) this.#store.updateRoom(event.roomId, { lastSeq: event.seq });
      return;
    }
    if (event.type === 'topicChanged') {
      // Events come in seq order, so the last one applied holds the current topic.
      this.#store.updateRoom(event.roomId, { topic: event.topic, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'roomRenamed') {
      this.#store.updateRoom(event.roomId, { name: event.name, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'visibilityChanged') {
      this.#store.updateRoom(event.roomId, { visibility: event.visibility, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'readOnlyChanged') {
      this.#store.updateRoom(event.roomId, { readOnly: event.readOnly, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'memberRoleChanged') {
      this.#roster.onRoleChanged(event.roomId, event.user.id, event.role);
      const mine = event.user.id === this.#store.state.me?.id;
      this.#store.updateRoom(event.roomId, { ...(mine && { role: event.role }), ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    const { message } = event;
    if (event.type === 'message') this.#typists.onMessage(event.roomId, message.authorId);
    this.#threads.onMessageEvent(event);
    if (!isNew) return;
    // Counts moved on by this event only; older events were already counted in the welcome.
    const byOther = message.authorId !== this.#store.state.me?.id;
    // The room in view is marked read right after (markRead): counting its messages would only flicker.
    // One kept unread (markUnread) is not, and counts them as the server does.
    const { activeRoomId, keptUnread } = this.#store.state;
    const reading = event.roomId === activeRoomId && keptUnread !== event.roomId && this.#isReading();
    let { unread, mentions } = room;
    if (byOther && !reading && inTimeline(message)) {
      // A deleted message's mentions are gone: whether it mentioned you is in the timeline's copy.
      const mentioned = mentionsUser(this.#mentionSource(event.roomId, message), this.#store.state.me?.id);
      if (event.type === 'message' && message.deletedAt === null) {
        unread += 1;
        if (mentioned) mentions += 1;
      }
      if (event.type === 'messageDeleted' && message.seq > room.lastReadSeq) {
        unread = Math.max(0, unread - 1);
        if (mentioned) mentions = Math.max(0, mentions - 1);
      }
    }
    this.#store.updateRoom(event.roomId, { lastSeq: event.seq, unread, mentions });
    if (byOther && event.type === 'message') this.#onMessage(message, this.#store.room(event.roomId) ?? room);
    if (event.roomId === this.#store.state.activeRoomId) this.markRead(event.roomId);
  }

  #onFrame(frame: ServerMessage): void {
    switch (frame.type) {
      case 'roomJoined':
        this.#connection.trackRoom(frame.room);
        this.#upsertRooms([frame.room]);
        if (frame.invitedBy) this.notify(`${frame.invitedBy.username} added you to #${frame.room.name ?? ''}.`);
        break;
      case 'roomLeft':
        this.#removeRoom(frame.roomId);
        break;
      case 'removedFromRoom': {
        const name = this.#store.room(frame.roomId)?.name;
        this.#removeRoom(frame.roomId);
        const what = frame.banned ? 'removed and banned you from' : 'removed you from';
        this.notify(`${frame.by.username} ${what} ${name ? `#${name}` : 'a room'}.`);
        break;
      }
      case 'read':
        this.#readMarkers.onRead(frame);
        break;
      case 'notifications':
        this.#onNotifications(frame);
        break;
      case 'threadRead':
        this.#threads.setReadPosition(frame.rootId, frame.lastReadSeq);
        break;
      case 'presence':
        this.#roster.onPresence(frame);
        break;
      case 'typing':
        this.#typists.onTyping(frame);
        break;
      case 'error':
        this.notify(frame.message);
        break;
    }
  }

  #onNotifications({ roomId, level, muted }: NotificationsMessage): void {
    this.#store.updateRoom(roomId, { notifications: { level, muted } });
  }

  /** The message as first seen (a deleted one no longer says whom it mentioned). */
  #mentionSource(roomId: RoomId, message: Message): Message {
    if (message.deletedAt === null) return message;
    const before = this.#store.timeline(roomId).messages.find((loaded) => loaded.id === message.id);
    return before?.mentions === undefined ? message : { ...before, deletedAt: null };
  }

  #onRoomReset(roomId: RoomId): void {
    this.#readMarkers.forget(roomId);
    const { [roomId]: _dropped, ...timelines } = this.#store.state.timelines;
    this.#store.set({ timelines });
    if (roomId === this.#store.state.activeRoomId) this.#store.load(this.#history.ensure(roomId));
  }

  #removeRoom(roomId: RoomId): void {
    if (this.#store.state.thread?.roomId === roomId) this.#threads.close();
    this.#connection.forgetRoom(roomId);
    this.#roster.forgetRoom(roomId);
    this.#readMarkers.forget(roomId);
    const state = this.#store.state;
    const rooms = state.rooms.filter((room) => room.id !== roomId);
    const { [roomId]: _timeline, ...timelines } = state.timelines;
    const active = state.activeRoomId === roomId ? null : state.activeRoomId;
    this.#store.set({ rooms, timelines, activeRoomId: active });
    if (active === null) {
      const next = rooms.find((room) => room.name === 'general') ?? rooms[0];
      if (next !== undefined) this.selectRoom(next.id);
    }
  }
}

/**
 * The default flush schedule: the next animation frame, so a frame's worth of
 * events is applied right before it is painted. Hidden pages get no animation
 * frames, so a timer runs the flush when the frame does not come.
 */
export function nextFrame(flush: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    flush();
  };
  if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') {
    requestAnimationFrame(once);
    setTimeout(once, 100);
  } else {
    setTimeout(once, 0);
  }
}
