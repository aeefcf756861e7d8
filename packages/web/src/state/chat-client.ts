/**
 * The chat's state as the UI shows it, kept from a `ChatConnection`'s events, and
 * the actions the UI can take. No React: components read it through
 * `useSyncExternalStore(client.subscribe, client.getState)`; every change makes
 * a new state object, unchanged parts keep their identity.
 *
 * Events from the connection are queued and applied together once per frame
 * (`scheduleFlush`), with one notification: a burst of a thousand messages costs
 * a few renders, not a thousand, and the messages of one flush are merged into a
 * room's timeline at once.
 */
import type {
  AttachmentInput,
  AuditEntry,
  ClientLimits,
  HistoryMessage,
  InviteCreatedMessage,
  InvitesMessage,
  MembersMessage,
  Message,
  NotificationSettings,
  NotificationsMessage,
  OnlineMessage,
  ReplyAckMessage,
  RoomBan,
  RoomEvent,
  RoomId,
  RoomInvite,
  RoomJoinedMessage,
  RoomListing,
  RoomSummary,
  RoomsMessage,
  RoomVisibility,
  SearchResult,
  SearchResultsMessage,
  ServerMessage,
  ThreadMessage,
  ThreadRead,
  ThreadsMessage,
  UserSummary,
  UsersMessage,
  WelcomeMessage,
} from '@switchboard/chat/api';
import type { ChatConnection, ConnectionState, PendingSend } from '../connection/chat-connection.ts';
import { CursorTrail } from '../connection/cursor-trail.ts';
import { Drafts } from './drafts.ts';
import {
  emptyMemberList,
  type MemberList,
  withMember,
  withMemberRole,
  withOnline,
  withOnlineFrom,
  withoutMember,
  withPage,
} from './member-list.ts';
import { mentionsUser } from './mentions.ts';
import { ReadReceipts } from './read-receipts.ts';
import {
  inTimeline,
  openPanel,
  type ThreadPanel,
  threadPosition,
  withThreadMessages,
  withThreadRead,
  withThreadRoots,
} from './thread-panel.ts';
import { emptyTimeline, type MessagePart, mergeMessages, type Timeline } from './timeline.ts';
import { addTypist, liveTypists, removeTypist, type Typist } from './typing.ts';

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

/** Messages per history page; jumps to a search result read larger pages. */
const pageSize = 50;
const jumpPageSize = 100;
/** A jump gives up after this many pages rather than reading a huge room. */
const maxJumpPages = 50;

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

export class ChatClient {
  /** Unsent text per room (not part of the state: typing must not render the whole chat). */
  readonly drafts: Drafts;
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  readonly #now: () => number;
  readonly #onUnauthorized: () => void;
  readonly #onMessage: (message: Message, room: RoomSummary) => void;
  readonly #listeners = new Set<() => void>();
  readonly #historyLoads = new Map<RoomId, Promise<void>>();
  readonly #receipts: ReadReceipts;
  /** Read positions of threads, sent as room read positions are (keyed by root id). */
  readonly #threadReceipts: ReadReceipts;
  #unsubscribe: Array<() => void> = [];
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #onlineRefreshMs: number;
  #onlineRefreshTimer: ReturnType<typeof setInterval> | null = null;
  #state: ChatState = initialState;
  #nonce = 0;
  readonly #scheduleFlush: (flush: () => void) => void;
  readonly #maxLoadedMessages: number;
  readonly #onlinePages: number;
  /** The cursors of the online users since the last `welcome`. */
  #onlineTrail = new CursorTrail();
  /** The trail of the `online` page being read (a page of an older one, waiting to retry, does not count). */
  #onlineLoading: CursorTrail | null = null;
  /** The cursors of each room's member list since its first page. */
  readonly #memberTrails = new Map<RoomId, CursorTrail>();
  #queue: QueuedEvent[] = [];
  #flushScheduled = false;
  /** Inside a flush: changes are collected and listeners told once at its end. */
  #batching = false;
  #changed = false;

  constructor(options: ChatClientOptions) {
    this.#connection = options.connection;
    this.drafts = options.drafts ?? new Drafts('', null);
    this.#isReading = options.isReading ?? (() => true);
    this.#now = options.now ?? Date.now;
    this.#onUnauthorized = options.onUnauthorized ?? (() => {});
    this.#onMessage = options.onMessage ?? (() => {});
    this.#scheduleFlush = options.scheduleFlush ?? nextFrame;
    this.#maxLoadedMessages = options.maxLoadedMessages ?? 10_000;
    this.#onlinePages = options.onlinePages ?? 10;
    this.#onlineRefreshMs = options.onlineRefreshMs ?? 120_000;
    this.#receipts = new ReadReceipts({
      intervalMs: options.readReceiptIntervalMs,
      now: this.#now,
      send: (roomId, seq) => {
        if (this.#connection.state !== 'online' || this.#room(roomId) === undefined) return false;
        this.#load(this.#connection.request({ action: 'markRead', roomId, seq }));
        return true;
      },
    });
    this.#threadReceipts = new ReadReceipts({
      intervalMs: options.readReceiptIntervalMs,
      now: this.#now,
      send: (rootId, seq) => {
        if (this.#connection.state !== 'online') return false;
        this.#load(this.#connection.request({ action: 'markThreadRead', rootId, seq }));
        return true;
      },
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getState = (): ChatState => this.#state;

  start(): void {
    const connection = this.#connection;
    const later = (apply: () => void) => this.#enqueue({ kind: 'other', apply });
    this.#unsubscribe = [
      connection.on('state', (state, retryAt) => later(() => this.#set({ connection: state, retryAt }))),
      connection.on('welcome', (welcome) => later(() => this.#onWelcome(welcome))),
      connection.on('rooms', (rooms) => later(() => this.#upsertRooms(rooms))),
      connection.on('roomEvent', (event) => this.#enqueue({ kind: 'roomEvent', event })),
      connection.on('roomReset', (roomId) => later(() => this.#onRoomReset(roomId))),
      connection.on('roomGone', (roomId) => later(() => this.#removeRoom(roomId))),
      connection.on('frame', (frame) => later(() => this.#onFrame(frame))),
      connection.on('pending', (pending) => later(() => this.#set({ pending }))),
      connection.on('throttled', (retryAfterMs) =>
        later(() => this.notify(`Sending too fast: trying again in ${Math.ceil(retryAfterMs / 1000)} s.`)),
      ),
      connection.on('unauthorized', () => later(() => this.#onUnauthorized())),
    ];
    connection.connect();
    this.#onlineRefreshTimer = setInterval(() => {
      if (this.#connection.state === 'online' && this.#isReading()) this.#load(this.refreshOnline());
    }, this.#onlineRefreshMs);
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#queue = [];
    // The last read positions go out before the socket closes.
    this.#receipts.flush();
    this.#receipts.stop();
    this.#threadReceipts.flush();
    this.#threadReceipts.stop();
    this.#connection.close();
    if (this.#typingTimer !== null) clearTimeout(this.#typingTimer);
    if (this.#onlineRefreshTimer !== null) clearInterval(this.#onlineRefreshTimer);
    this.#onlineRefreshTimer = null;
  }

  selectRoom(roomId: RoomId): void {
    const previous = this.#state.activeRoomId;
    if (previous !== roomId) {
      if (previous !== null) this.#receipts.flush(previous);
      const room = this.#room(roomId);
      const newSince = room !== undefined && room.unread > 0 ? { roomId, afterSeq: room.lastReadSeq } : null;
      if (this.#state.thread !== null && this.#state.thread.roomId !== roomId) this.closeThread();
      this.#set({ activeRoomId: roomId, editing: null, newSince, keptUnread: null });
    }
    this.#load(this.ensureHistory(roomId));
    this.markRead(roomId);
    this.#load(this.#loadMembers(roomId));
    // The newest threads the user follows here, for their unread markers.
    this.#load(this.threads(roomId));
  }

  /**
   * Whether the user follows the thread of `rootId` as far as this client knows:
   * a read position was heard (replied in, opened, named in it), or the root,
   * loaded, is theirs (its author follows it from the first reply).
   */
  followsThread(roomId: RoomId, rootId: string): boolean {
    const { threadReads, threadRoots, me } = this.#state;
    const root = threadRoots[rootId] ?? this.#timeline(roomId).messages.findLast((message) => message.id === rootId);
    if (root === undefined) return threadReads[rootId] !== undefined;
    return threadPosition(root, threadReads, me?.id) !== undefined;
  }

  /** Opens a message's thread beside its room (the active one) and reads its newest replies. */
  openThread(rootId: string): void {
    const roomId = this.#state.activeRoomId;
    if (roomId === null) return;
    if (this.#state.thread?.rootId === rootId) {
      this.markThreadRead();
      return;
    }
    if (this.#state.thread !== null) this.closeThread();
    const root = this.#timeline(roomId).messages.find((message) => message.id === rootId) ?? null;
    this.#set({ thread: openPanel(roomId, rootId, root) });
    this.#load(this.#readThread(rootId, undefined));
  }

  closeThread(): void {
    const panel = this.#state.thread;
    if (panel === null) return;
    this.#threadReceipts.flush(panel.rootId);
    this.#set({ thread: null });
  }

  /** Reads the open thread's replies before the oldest loaded (again after one that failed). */
  async loadOlderReplies(): Promise<void> {
    const panel = this.#state.thread;
    if (panel === null || panel.loading) return;
    await this.#readThread(panel.rootId, panel.replies[0]?.seq);
  }

  /**
   * Replies in the open thread. The caller keeps `clientMessageId` until this
   * resolves: sending again with it after a failure never stores the reply twice.
   */
  async reply(text: string, alsoToRoom: boolean, clientMessageId: string): Promise<void> {
    const panel = this.#state.thread;
    if (panel === null || text.trim() === '') return;
    const answer = (await this.#connection.request({
      action: 'replyInThread',
      rootId: panel.rootId,
      text,
      clientMessageId,
      alsoToRoom,
    })) as ReplyAckMessage;
    this.#set({ threadReads: withThreadRead(this.#state.threadReads, answer.root.id, answer.message.seq) });
  }

  /**
   * The user has seen the open thread up to its newest reply (the root, before
   * the first), if the page is visible: the server's position moves there, which
   * also follows a thread only opened (coalesced as room read positions are).
   */
  markThreadRead(): void {
    const root = this.#state.thread?.root;
    if (root == null || !this.#isReading()) return;
    const seq = root.thread?.lastReplySeq ?? root.seq;
    const position = threadPosition(root, this.#state.threadReads, this.#state.me?.id);
    if (position !== undefined && position >= seq) return;
    this.#set({ threadReads: withThreadRead(this.#state.threadReads, root.id, seq) });
    this.#threadReceipts.read(root.id, seq);
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

  /** Reads the page before the oldest loaded message (again after one that failed). */
  async loadOlder(roomId: RoomId, limit = pageSize): Promise<void> {
    await this.ensureHistory(roomId);
    const timeline = this.#timeline(roomId);
    if (!timeline.hasMore || timeline.loading) return;
    await this.#readHistory(roomId, timeline.messages[0]?.seq, limit);
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
      this.openThread(message.threadRootId);
      return;
    }
    await this.ensureHistory(roomId);
    for (let page = 0; page < maxJumpPages && !this.#has(roomId, message.id); page++) {
      const timeline = this.#timeline(roomId);
      if (!timeline.hasMore || (timeline.messages[0]?.seq ?? 0) <= message.seq) break;
      await this.loadOlder(roomId, jumpPageSize);
    }
    this.#set({ focus: { roomId, messageId: message.id, nonce: ++this.#nonce } });
  }

  /** Sends `text` (and uploaded files: then the text may be empty) to the active room and clears the room's draft. */
  send(text: string, attachments: AttachmentInput[] = []): void {
    const roomId = this.#state.activeRoomId;
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

  /** Sets the room's topic (an empty one clears it); the header changes when its `topicChanged` event is applied. */
  async setTopic(roomId: RoomId, topic: string): Promise<void> {
    await this.#connection.request({ action: 'setTopic', roomId, topic });
  }

  /** Renames the room; the sidebar and header change when its `roomRenamed` event is applied. */
  async renameRoom(roomId: RoomId, name: string): Promise<void> {
    await this.#connection.request({ action: 'renameRoom', roomId, name });
  }

  /** Your notification settings for a room; every device of yours hears them (docs/protocol.md, "setNotifications"). */
  async setNotifications(roomId: RoomId, settings: NotificationSettings): Promise<void> {
    const answer = await this.#connection.request({ action: 'setNotifications', roomId, ...settings });
    if (answer.type === 'notifications') this.#onNotifications(answer);
  }

  /** The owner makes a member an admin or a plain member again; the list changes when its event is applied. */
  async setMemberRole(roomId: RoomId, userId: string, role: 'admin' | 'member'): Promise<void> {
    await this.#connection.request({ action: 'setMemberRole', roomId, userId, role });
  }

  /**
   * The owner or an admin removes a member (with `ban`, keeps them out until one
   * adds them back); the list changes when its `memberLeft` event is applied.
   */
  async removeMember(roomId: RoomId, userId: string, options: { ban?: boolean } = {}): Promise<void> {
    await this.#connection.request({ action: 'removeMember', roomId, userId, ...(options.ban && { ban: true }) });
  }

  /** A page of the room's bans, by user id (the room's owner and admins). */
  async bans(roomId: RoomId, cursor?: string): Promise<{ bans: RoomBan[]; nextCursor: string | null }> {
    const answer = await this.#connection.request({ action: 'bans', roomId, ...(cursor && { cursor }) });
    return answer.type === 'bans'
      ? { bans: answer.bans, nextCursor: answer.nextCursor ?? null }
      : { bans: [], nextCursor: null };
  }

  /** The owner or an admin bans someone by username, member or not (a member is removed). */
  async ban(roomId: RoomId, username: string): Promise<void> {
    await this.#connection.request({ action: 'ban', roomId, username });
  }

  /** The owner or an admin lifts a ban: the person may join again (they are not added). */
  async unban(roomId: RoomId, userId: string): Promise<void> {
    await this.#connection.request({ action: 'unban', roomId, userId });
  }

  /** The owner or an admin makes the room read-only or open again. */
  async setReadOnly(roomId: RoomId, readOnly: boolean): Promise<void> {
    await this.#connection.request({ action: 'setReadOnly', roomId, readOnly });
  }

  /** A page of the room's moderation log, newest first (the room's owner and admins). */
  async auditLog(roomId: RoomId, cursor?: string): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    const answer = await this.#connection.request({ action: 'auditLog', roomId, ...(cursor && { cursor }) });
    return answer.type === 'auditLog'
      ? { entries: answer.entries, nextCursor: answer.nextCursor ?? null }
      : { entries: [], nextCursor: null };
  }

  /** A server admin deactivates an account: it is signed out everywhere and cannot sign in again. */
  async deactivateUser(userId: string): Promise<void> {
    await this.#connection.request({ action: 'deactivateUser', userId });
  }

  /** Pins (`pin`) or unpins a message; the change shows when its event is applied. */
  async pin(messageId: string, pin: boolean): Promise<void> {
    await this.#connection.request({ action: pin ? 'pinMessage' : 'unpinMessage', messageId });
  }

  /**
   * A page of the threads of the room the user follows, the newest root first
   * (the next page: `before` = the last root's `seq`); how far the user read
   * each is kept, for the unread markers.
   */
  async threads(roomId: RoomId, before?: number): Promise<{ threads: readonly ThreadRead[]; hasMore: boolean }> {
    const page = (await this.#connection.requestPage({
      action: 'threads',
      roomId,
      ...(before !== undefined && { before }),
    })) as ThreadsMessage;
    let reads = this.#state.threadReads;
    for (const { root, lastReadSeq } of page.threads) reads = withThreadRead(reads, root.id, lastReadSeq);
    const roots = withThreadRoots(
      this.#state.threadRoots,
      page.threads.map(({ root }) => root),
    );
    if (reads !== this.#state.threadReads || roots !== this.#state.threadRoots) {
      this.#set({ threadReads: reads, threadRoots: roots });
    }
    return { threads: page.threads, hasMore: page.hasMore };
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
    this.#set({ editing: messageId === null ? null : { messageId, from } });
  }

  /** Edits the user's latest message in the active room (Arrow Up in an empty composer); false if there is none. */
  editLast(): boolean {
    const { activeRoomId, me } = this.#state;
    if (activeRoomId === null) return false;
    const last = this.#timeline(activeRoomId).messages.findLast(
      (message) => message.authorId === me?.id && message.deletedAt === null,
    );
    if (last === undefined) return false;
    this.setEditing(last.id, 'composer');
    return true;
  }

  retryNow(): void {
    this.#connection.retryNow();
  }

  typing(): void {
    const roomId = this.#state.activeRoomId;
    if (roomId !== null) this.#connection.typing(roomId);
  }

  async createRoom(name: string, visibility: RoomVisibility = 'public'): Promise<void> {
    const answer = (await this.#connection.request({ action: 'createRoom', name, visibility })) as RoomJoinedMessage;
    this.selectRoom(answer.room.id);
  }

  /** Makes the room public or private (its owner); the change shows when its `visibilityChanged` event is applied. */
  async setRoomVisibility(roomId: RoomId, visibility: RoomVisibility): Promise<void> {
    await this.#connection.request({ action: 'setRoomVisibility', roomId, visibility });
  }

  /** Adds a user to the room by username; they are told live. */
  async inviteMember(roomId: RoomId, username: string): Promise<void> {
    await this.#connection.request({ action: 'inviteMember', roomId, username });
  }

  /** A new invite link's token (shown once) and its details. */
  async createInvite(
    roomId: RoomId,
    options: { expiresInMs: number; maxUses: number },
  ): Promise<{ invite: RoomInvite; token: string }> {
    const answer = (await this.#connection.request({
      action: 'createInvite',
      roomId,
      ...options,
    })) as InviteCreatedMessage;
    return { invite: answer.invite, token: answer.token };
  }

  /** The room's newest invite links, the newest first. */
  async listInvites(roomId: RoomId): Promise<readonly RoomInvite[]> {
    return ((await this.#connection.request({ action: 'invites', roomId })) as InvitesMessage).invites;
  }

  async revokeInvite(inviteId: string): Promise<void> {
    await this.#connection.request({ action: 'revokeInvite', inviteId });
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

  /** Reads the next page of online users, if more follow. */
  async loadMoreOnline(): Promise<void> {
    const cursor = this.#state.onlineCursor;
    const trail = this.#onlineTrail;
    if (cursor === null || this.#onlineLoading === trail) return;
    this.#onlineLoading = trail;
    try {
      const page = (await this.#connection.requestPage({ action: 'online', cursor })) as OnlineMessage;
      // A new welcome meanwhile started the list again.
      if (trail !== this.#onlineTrail) return;
      const known = new Set(this.#state.online.map((user) => user.id));
      const added = page.users.filter((user) => !known.has(user.id));
      this.#set({ online: [...this.#state.online, ...added], onlineCursor: trail.next(page.nextCursor, added.length) });
    } finally {
      if (this.#onlineLoading === trail) this.#onlineLoading = null;
    }
  }

  /**
   * Reads who is online again from the first page (then up to `onlinePages`,
   * as after a welcome). When that reaches the end of the list, the loaded
   * member lists take their online dots from it too.
   */
  async refreshOnline(): Promise<void> {
    const trail = new CursorTrail();
    this.#onlineTrail = trail;
    const page = (await this.#connection.requestPage({ action: 'online' })) as OnlineMessage;
    // A welcome or another refresh meanwhile started the list again.
    if (trail !== this.#onlineTrail) return;
    this.#set({ online: page.users, onlineCursor: trail.next(page.nextCursor, page.users.length) });
    await this.#readOnlinePages();
    if (trail !== this.#onlineTrail || this.#state.onlineCursor !== null) return;
    const online = new Set(this.#state.online.map((user) => user.id));
    for (const roomId of Object.keys(this.#state.members)) {
      this.#setMembers(roomId, (list) => withOnlineFrom(list, online));
    }
  }

  /** Reads the next page of the room's members, if more follow. */
  async loadMoreMembers(roomId: RoomId): Promise<void> {
    const list = this.#state.members[roomId];
    if (list === undefined || list.nextCursor === null || list.loading) return;
    await this.#readMembers(roomId, list.nextCursor);
  }

  async search(query: string): Promise<SearchResult[]> {
    const answer = (await this.#connection.request({ action: 'search', query })) as SearchResultsMessage;
    return answer.results;
  }

  /**
   * The user has seen the room up to its latest event, if it is the active room
   * and the page is visible: the server's read marker moves there, at most once
   * per `readReceiptIntervalMs` (the latest position always goes out).
   */
  markRead(roomId: RoomId): void {
    if (this.#state.keptUnread === roomId) return;
    const room = this.#room(roomId);
    if (room === undefined || room.lastReadSeq >= room.lastSeq) return;
    if (this.#state.activeRoomId !== roomId || !this.#isReading()) return;
    this.#receipts.read(roomId, room.lastSeq);
  }

  /**
   * Marks the room unread from `message` on (docs/protocol.md, "markUnread"): the server's
   * marker moves back before it, the "new messages" divider shows above it, and the room
   * is not marked read again while it stays open; opening it again reads it as usual.
   */
  async markUnread(message: Message): Promise<void> {
    const { roomId } = message;
    this.#receipts.forget(roomId);
    this.#set({ newSince: { roomId, afterSeq: message.seq - 1 }, keptUnread: roomId });
    const answer = await this.#connection.request({ action: 'markUnread', roomId, seq: message.seq });
    if (answer.type === 'read') this.#onRead(answer.roomId, answer.lastReadSeq, answer.unread, answer.mentions);
  }

  /** Sends the read positions still waiting for their interval (the page is being hidden or closed). */
  sendReadReceipts(): void {
    this.#receipts.flush();
    this.#threadReceipts.flush();
  }

  dismissNotice(): void {
    this.#set({ notice: null });
  }

  /** Shows a failed action's message. */
  notify(text: string): void {
    this.#set({ notice: { id: ++this.#nonce, text } });
  }

  #onWelcome(welcome: WelcomeMessage): void {
    // The welcome holds the first page of the rooms: the others known stay until the
    // connection has read every page (it reports those no page names as gone).
    this.#upsertRooms(welcome.rooms);
    const { rooms, activeRoomId } = this.#state;
    const keep = rooms.some((room) => room.id === activeRoomId);
    const fallback = rooms.find((room) => room.name === 'general') ?? welcome.rooms[0];
    this.#onlineTrail = new CursorTrail();
    // Older history is read by itself again (a lost socket fails the read that was out).
    for (const [roomId, timeline] of Object.entries(this.#state.timelines)) {
      if (timeline.failed) this.#setTimeline(roomId, { failed: false });
    }
    this.#set({
      me: welcome.user,
      serverAdmin: welcome.serverAdmin,
      online: welcome.online,
      onlineCursor: this.#onlineTrail.next(welcome.onlineCursor, welcome.online.length),
      limits: welcome.limits,
      activeRoomId: keep ? activeRoomId : (fallback?.id ?? null),
    });
    if (this.#state.activeRoomId !== null) this.selectRoom(this.#state.activeRoomId);
    // Positions read while offline.
    this.#receipts.flush();
    this.#load(this.#readOnlinePages());
  }

  /** Follows the welcome's `onlineCursor` for up to `onlinePages` pages. */
  async #readOnlinePages(): Promise<void> {
    for (let page = 1; page < this.#onlinePages && this.#state.onlineCursor !== null; page++) {
      await this.loadMoreOnline();
    }
  }

  /** Adds rooms, or replaces what was known of them. */
  #upsertRooms(summaries: readonly RoomSummary[]): void {
    if (summaries.length === 0) return;
    const fresh = new Map(summaries.map((room) => [room.id, room]));
    const rooms = this.#state.rooms.map((room) => fresh.get(room.id) ?? room);
    const known = new Set(rooms.map((room) => room.id));
    this.#set({ rooms: [...rooms, ...summaries.filter((room) => !known.has(room.id))] });
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
    this.#batching = true;
    try {
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
    } finally {
      this.#batching = false;
      if (this.#changed) this.#emitChange();
    }
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
      const timeline = this.#timeline(roomId);
      const merged = mergeMessages(timeline.messages, incoming, parts);
      if (merged === timeline.messages) continue;
      // A tab left open on a busy room keeps the newest messages; older ones are read back from history.
      const excess = merged.length - this.#maxLoadedMessages;
      if (excess > 0) this.#setTimeline(roomId, { messages: merged.slice(excess), hasMore: true });
      else this.#setTimeline(roomId, { messages: merged });
    }
    const panel = this.#state.thread;
    if (panel !== null) {
      const incoming = events.flatMap((event) =>
        'message' in event && event.roomId === panel.roomId ? [event.message] : [],
      );
      const next = withThreadMessages(panel, incoming, parts);
      if (next !== panel) this.#set({ thread: next });
    }
    for (const event of events) this.#onRoomEvent(event);
  }

  /** The room's counts and members after one event (its message is already merged). */
  #onRoomEvent(event: RoomEvent): void {
    const room = this.#room(event.roomId);
    const isNew = room !== undefined && event.seq > room.lastSeq;
    if (event.type === 'memberJoined' || event.type === 'memberLeft') {
      this.#updateMembers(event.roomId, event.user, event.type === 'memberJoined');
      if (isNew) this.#updateRoom(event.roomId, { lastSeq: event.seq });
      return;
    }
    if (event.type === 'topicChanged') {
      // Events come in seq order, so the last one applied holds the current topic.
      this.#updateRoom(event.roomId, { topic: event.topic, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'roomRenamed') {
      this.#updateRoom(event.roomId, { name: event.name, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'visibilityChanged') {
      this.#updateRoom(event.roomId, { visibility: event.visibility, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'readOnlyChanged') {
      this.#updateRoom(event.roomId, { readOnly: event.readOnly, ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    if (event.type === 'memberRoleChanged') {
      this.#setMembers(event.roomId, (list) => withMemberRole(list, event.user.id, event.role));
      const mine = event.user.id === this.#state.me?.id;
      this.#updateRoom(event.roomId, { ...(mine && { role: event.role }), ...(isNew && { lastSeq: event.seq }) });
      return;
    }
    const { message } = event;
    if (event.type === 'message')
      this.#setTypists(event.roomId, removeTypist(this.#typists(event.roomId), message.authorId));
    // A reply of the user's (from another tab too): they have read their thread up to it.
    if (event.type === 'message' && message.threadRootId !== null && message.authorId === this.#state.me?.id) {
      this.#set({ threadReads: withThreadRead(this.#state.threadReads, message.threadRootId, message.seq) });
    }
    if (event.type === 'threadUpdated') {
      const roots = withThreadRoots(this.#state.threadRoots, [message]);
      if (roots !== this.#state.threadRoots) this.#set({ threadRoots: roots });
      if (this.#state.thread?.rootId === message.id) this.markThreadRead();
    }
    if (!isNew) return;
    // Counts moved on by this event only; older events were already counted in the welcome.
    const byOther = message.authorId !== this.#state.me?.id;
    // The room in view is marked read right after (markRead): counting its messages would only flicker.
    const reading = event.roomId === this.#state.activeRoomId && this.#isReading();
    let { unread, mentions } = room;
    if (byOther && !reading && inTimeline(message)) {
      // A deleted message's mentions are gone: whether it mentioned you is in the timeline's copy.
      const mentioned = mentionsUser(this.#mentionSource(event.roomId, message), this.#state.me?.id);
      if (event.type === 'message' && message.deletedAt === null) {
        unread += 1;
        if (mentioned) mentions += 1;
      }
      if (event.type === 'messageDeleted' && message.seq > room.lastReadSeq) {
        unread = Math.max(0, unread - 1);
        if (mentioned) mentions = Math.max(0, mentions - 1);
      }
    }
    this.#updateRoom(event.roomId, { lastSeq: event.seq, unread, mentions });
    if (byOther && event.type === 'message') this.#onMessage(message, this.#room(event.roomId) ?? room);
    if (event.roomId === this.#state.activeRoomId) this.markRead(event.roomId);
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
        const name = this.#room(frame.roomId)?.name;
        this.#removeRoom(frame.roomId);
        const what = frame.banned ? 'removed and banned you from' : 'removed you from';
        this.notify(`${frame.by.username} ${what} ${name ? `#${name}` : 'a room'}.`);
        break;
      }
      case 'read':
        this.#onRead(frame.roomId, frame.lastReadSeq, frame.unread, frame.mentions);
        break;
      case 'notifications':
        this.#onNotifications(frame);
        break;
      case 'threadRead':
        this.#set({ threadReads: withThreadRead(this.#state.threadReads, frame.rootId, frame.lastReadSeq) });
        break;
      case 'presence': {
        const others = this.#state.online.filter((user) => user.id !== frame.user.id);
        const online = frame.online ? [...others, frame.user] : others;
        if (online.length !== this.#state.online.length || frame.online) this.#set({ online });
        this.#setMembers(frame.roomId, (list) => withOnline(list, frame.user.id, frame.online));
        break;
      }
      case 'typing':
        if (frame.user.id === this.#state.me?.id) break;
        this.#setTypists(frame.roomId, addTypist(this.#typists(frame.roomId), frame.user, this.#now() + frame.ttlMs));
        break;
      case 'error':
        this.notify(frame.message);
        break;
    }
  }

  /**
   * The server's marker (an answer, or another device's). Read receipts lag
   * behind what the user has seen by up to their interval: the messages read
   * since the marker's position are not counted as unread meanwhile.
   */
  #onRead(roomId: RoomId, lastReadSeq: number, unread: number, mentions: number): void {
    const readUpTo = this.#receipts.position(roomId);
    const me = this.#state.me?.id;
    const seen =
      readUpTo > lastReadSeq
        ? this.#timeline(roomId).messages.filter(
            (message) =>
              message.seq > lastReadSeq &&
              message.seq <= readUpTo &&
              message.authorId !== me &&
              message.deletedAt === null,
          )
        : [];
    const seenMentions = seen.filter((message) => mentionsUser(message, me)).length;
    this.#updateRoom(roomId, {
      lastReadSeq,
      unread: Math.max(0, unread - seen.length),
      mentions: Math.max(0, mentions - seenMentions),
    });
  }

  #onNotifications({ roomId, level, muted }: NotificationsMessage): void {
    this.#updateRoom(roomId, { notifications: { level, muted } });
  }

  /** The message as first seen (a deleted one no longer says whom it mentioned). */
  #mentionSource(roomId: RoomId, message: Message): Message {
    if (message.deletedAt === null) return message;
    const before = this.#timeline(roomId).messages.find((loaded) => loaded.id === message.id);
    return before?.mentions === undefined ? message : { ...before, deletedAt: null };
  }

  #onRoomReset(roomId: RoomId): void {
    this.#receipts.forget(roomId);
    const { [roomId]: _dropped, ...timelines } = this.#state.timelines;
    this.#set({ timelines });
    if (roomId === this.#state.activeRoomId) this.#load(this.ensureHistory(roomId));
  }

  #removeRoom(roomId: RoomId): void {
    if (this.#state.thread?.roomId === roomId) this.closeThread();
    this.#connection.forgetRoom(roomId);
    this.#memberTrails.delete(roomId);
    this.#receipts.forget(roomId);
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
    this.#setTimeline(roomId, { loading: true, failed: false });
    try {
      const page = (await this.#connection.requestPage({
        action: 'history',
        roomId,
        limit,
        ...(before === undefined ? {} : { before }),
      })) as HistoryMessage;
      const timeline = this.#timeline(roomId);
      // `before` is the listing's cursor (docs/protocol.md, "history"): a page with nothing
      // before it would be asked for again and again as the user stays at the top.
      const older = before === undefined || page.messages.some((message) => message.seq < before);
      this.#setTimeline(roomId, {
        messages: mergeMessages(timeline.messages, page.messages),
        historyLoaded: true,
        hasMore: page.hasMore && older,
      });
    } catch (error) {
      this.#setTimeline(roomId, { failed: true });
      throw error;
    } finally {
      this.#setTimeline(roomId, { loading: false });
    }
  }

  async #readThread(rootId: string, before: number | undefined): Promise<void> {
    this.#setThread(rootId, (panel) => ({ ...panel, loading: true, failed: false }));
    try {
      const page = (await this.#connection.requestPage({
        action: 'thread',
        rootId,
        ...(before === undefined ? {} : { before }),
      })) as ThreadMessage;
      // As `history`: `before` is the cursor, and a page with nothing before it ends the listing.
      const older = before === undefined || page.replies.some((reply) => reply.seq < before);
      this.#setThread(rootId, (panel) => ({
        ...withThreadMessages({ ...panel, root: panel.root ?? page.root }, [page.root, ...page.replies]),
        hasMore: page.hasMore && older,
        loading: false,
      }));
      if (page.lastReadSeq > 0) {
        this.#set({ threadReads: withThreadRead(this.#state.threadReads, rootId, page.lastReadSeq) });
      }
      const roots = withThreadRoots(this.#state.threadRoots, [page.root]);
      if (roots !== this.#state.threadRoots) this.#set({ threadRoots: roots });
      this.markThreadRead();
    } catch (error) {
      this.#setThread(rootId, (panel) => ({ ...panel, loading: false, failed: true }));
      throw error;
    }
  }

  /** Changes the open thread, if it still is `rootId`'s. */
  #setThread(rootId: string, change: (panel: ThreadPanel) => ThreadPanel): void {
    const panel = this.#state.thread;
    if (panel === null || panel.rootId !== rootId) return;
    const next = change(panel);
    if (next !== panel) this.#set({ thread: next });
  }

  /** Reads the first page of the room's members (again: it is read each time the room is opened). */
  #loadMembers(roomId: RoomId): Promise<void> {
    return this.#readMembers(roomId, undefined);
  }

  async #readMembers(roomId: RoomId, cursor: string | undefined): Promise<void> {
    const first = cursor === undefined;
    if (first) this.#memberTrails.set(roomId, new CursorTrail());
    const trail = this.#memberTrails.get(roomId) ?? new CursorTrail();
    this.#setMembers(roomId, (list) => ({ ...list, loading: true }), true);
    try {
      const page = (await this.#connection.requestPage({
        action: 'members',
        roomId,
        ...(first ? {} : { cursor }),
      })) as MembersMessage;
      // Read again from the first page meanwhile (the room was opened again): that reading goes on.
      if (trail !== this.#memberTrails.get(roomId)) return;
      // The first page replaces what was loaded.
      const loaded = first ? [] : (this.#state.members[roomId]?.members ?? []);
      const members = withPage(loaded, page.members);
      const nextCursor = trail.next(page.nextCursor, members.length - loaded.length);
      this.#setMembers(roomId, () => ({ members, nextCursor, loading: false }));
    } catch (error) {
      if (trail === this.#memberTrails.get(roomId)) this.#setMembers(roomId, (list) => ({ ...list, loading: false }));
      throw error;
    }
  }

  #updateMembers(roomId: RoomId, user: UserSummary, joined: boolean): void {
    const online = this.#state.online.some((candidate) => candidate.id === user.id);
    this.#setMembers(roomId, (list) =>
      joined ? withMember(list, { user, joinedAt: this.#now(), online, role: 'member' }) : withoutMember(list, user.id),
    );
  }

  /** Changes a room's member list; one never loaded is left alone unless `create`. */
  #setMembers(roomId: RoomId, change: (list: MemberList) => MemberList, create = false): void {
    const list = this.#state.members[roomId];
    if (list === undefined && !create) return;
    const next = change(list ?? emptyMemberList);
    if (next !== list) this.#set({ members: { ...this.#state.members, [roomId]: next } });
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
    if (this.#batching) this.#changed = true;
    else this.#emitChange();
  }

  #emitChange(): void {
    this.#changed = false;
    for (const listener of this.#listeners) listener();
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
