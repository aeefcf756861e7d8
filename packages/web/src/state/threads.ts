/**
 * Threads as the chat keeps them: the one open beside the active room
 * (`state.thread`, its replies read a page at a time, newest first), the thread
 * roots seen (`state.threadRoots`) and how far the user has read each thread
 * they follow (`state.threadReads`), whose positions go out as rooms' do
 * (read-receipts.ts, keyed by root id). Kept together because a thread's read
 * position moves with what happens to the panel and the root: opening it,
 * replying, its pages and its room's events. The pure parts are thread-panel.ts.
 */
import type {
  Message,
  MessageEvent,
  ReplyAckMessage,
  RoomEvent,
  RoomId,
  ThreadMessage,
  ThreadRead,
  ThreadsMessage,
} from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';
import type { ChatStateStore } from './chat-state.ts';
import { ReadReceipts, type ReadReceiptsOptions } from './read-receipts.ts';
import {
  openPanel,
  type ThreadPanel,
  threadPosition,
  withThreadMessages,
  withThreadRead,
  withThreadRoots,
} from './thread-panel.ts';
import type { MessagePart } from './timeline.ts';

export class Threads {
  readonly #store: ChatStateStore;
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  /** Read positions of threads, sent as room read positions are (keyed by root id). */
  readonly #receipts: ReadReceipts;

  /** `isReading`: whether the user can see the open thread now; `timing`: how often positions go out, as for rooms. */
  constructor(
    store: ChatStateStore,
    connection: ChatConnection,
    isReading: () => boolean,
    timing: Omit<ReadReceiptsOptions, 'send'>,
  ) {
    this.#store = store;
    this.#connection = connection;
    this.#isReading = isReading;
    this.#receipts = new ReadReceipts({
      ...timing,
      send: (rootId, seq) => {
        if (this.#connection.state !== 'online') return false;
        this.#store.load(this.#connection.request({ action: 'markThreadRead', rootId, seq }));
        return true;
      },
    });
  }

  /**
   * Whether the user follows the thread of `rootId` as far as this client knows:
   * a read position was heard (replied in, opened, named in it), or the root,
   * loaded, is theirs (its author follows it from the first reply).
   */
  follows(roomId: RoomId, rootId: string): boolean {
    const { threadReads, threadRoots, me } = this.#store.state;
    const root =
      threadRoots[rootId] ?? this.#store.timeline(roomId).messages.findLast((message) => message.id === rootId);
    if (root === undefined) return threadReads[rootId] !== undefined;
    return threadPosition(root, threadReads, me?.id) !== undefined;
  }

  /** Opens a message's thread beside its room (the active one) and reads its newest replies. */
  open(rootId: string): void {
    const roomId = this.#store.state.activeRoomId;
    if (roomId === null) return;
    if (this.#store.state.thread?.rootId === rootId) {
      this.#markRead();
      return;
    }
    if (this.#store.state.thread !== null) this.close();
    const root = this.#store.timeline(roomId).messages.find((message) => message.id === rootId) ?? null;
    this.#store.set({ thread: openPanel(roomId, rootId, root) });
    this.#store.load(this.#readPage(rootId, undefined));
  }

  close(): void {
    const panel = this.#store.state.thread;
    if (panel === null) return;
    this.#receipts.flush(panel.rootId);
    this.#store.set({ thread: null });
  }

  /** Reads the open thread's replies before the oldest loaded (again after one that failed). */
  async loadOlderReplies(): Promise<void> {
    const panel = this.#store.state.thread;
    if (panel === null || panel.loading) return;
    await this.#readPage(panel.rootId, panel.replies[0]?.seq);
  }

  /**
   * Replies in the open thread. The caller keeps `clientMessageId` until this
   * resolves: sending again with it after a failure never stores the reply twice.
   */
  async reply(text: string, alsoToRoom: boolean, clientMessageId: string): Promise<void> {
    const panel = this.#store.state.thread;
    if (panel === null || text.trim() === '') return;
    const answer = (await this.#connection.request({
      action: 'replyInThread',
      rootId: panel.rootId,
      text,
      clientMessageId,
      alsoToRoom,
    })) as ReplyAckMessage;
    this.setReadPosition(answer.root.id, answer.message.seq);
  }

  /**
   * A page of the threads of the room the user follows, the newest root first
   * (the next page: `before` = the last root's `seq`); how far the user read
   * each is kept, for the unread markers.
   */
  async followed(roomId: RoomId, before?: number): Promise<{ threads: readonly ThreadRead[]; hasMore: boolean }> {
    const page = (await this.#connection.requestPage({
      action: 'threads',
      roomId,
      ...(before !== undefined && { before }),
    })) as ThreadsMessage;
    const state = this.#store.state;
    let reads = state.threadReads;
    for (const { root, lastReadSeq } of page.threads) reads = withThreadRead(reads, root.id, lastReadSeq);
    const roots = withThreadRoots(
      state.threadRoots,
      page.threads.map(({ root }) => root),
    );
    if (reads !== state.threadReads || roots !== state.threadRoots) {
      this.#store.set({ threadReads: reads, threadRoots: roots });
    }
    return { threads: page.threads, hasMore: page.hasMore };
  }

  /** The user has read the thread up to `seq` (a `threadRead` frame, a reply, a page): positions only move forward. */
  setReadPosition(rootId: string, seq: number): void {
    this.#store.set({ threadReads: withThreadRead(this.#store.state.threadReads, rootId, seq) });
  }

  /** The open thread after a run of room events: its root's newer state, and its replies (`parts` as in timeline.ts). */
  applyEvents(events: readonly RoomEvent[], parts: ReadonlyMap<Message, MessagePart>): void {
    const panel = this.#store.state.thread;
    if (panel === null) return;
    const incoming = events.flatMap((event) =>
      'message' in event && event.roomId === panel.roomId ? [event.message] : [],
    );
    const next = withThreadMessages(panel, incoming, parts);
    if (next !== panel) this.#store.set({ thread: next });
  }

  /** What one event's message tells of threads: the user's own replies, and roots with new replies. */
  onMessageEvent(event: MessageEvent): void {
    const { message } = event;
    // A reply of the user's (from another tab too): they have read their thread up to it.
    if (event.type === 'message' && message.threadRootId !== null && message.authorId === this.#store.state.me?.id) {
      this.setReadPosition(message.threadRootId, message.seq);
    }
    if (event.type === 'threadUpdated') {
      const roots = withThreadRoots(this.#store.state.threadRoots, [message]);
      if (roots !== this.#store.state.threadRoots) this.#store.set({ threadRoots: roots });
      if (this.#store.state.thread?.rootId === message.id) this.#markRead();
    }
  }

  /** Sends the read positions still waiting for their interval. */
  sendReadReceipts(): void {
    this.#receipts.flush();
  }

  /** Sends what is waiting, then sends nothing more. */
  stop(): void {
    this.#receipts.flush();
    this.#receipts.stop();
  }

  /**
   * The user has seen the open thread up to its newest reply (the root, before
   * the first), if the page is visible: the server's position moves there, which
   * also follows a thread only opened (coalesced as room read positions are).
   */
  #markRead(): void {
    const root = this.#store.state.thread?.root;
    if (root == null || !this.#isReading()) return;
    const seq = root.thread?.lastReplySeq ?? root.seq;
    const position = threadPosition(root, this.#store.state.threadReads, this.#store.state.me?.id);
    if (position !== undefined && position >= seq) return;
    this.setReadPosition(root.id, seq);
    this.#receipts.read(root.id, seq);
  }

  async #readPage(rootId: string, before: number | undefined): Promise<void> {
    this.#setPanel(rootId, (panel) => ({ ...panel, loading: true, failed: false }));
    try {
      const page = (await this.#connection.requestPage({
        action: 'thread',
        rootId,
        ...(before === undefined ? {} : { before }),
      })) as ThreadMessage;
      // As `history`: `before` is the cursor, and a page with nothing before it ends the listing.
      const older = before === undefined || page.replies.some((reply) => reply.seq < before);
      this.#setPanel(rootId, (panel) => ({
        ...withThreadMessages({ ...panel, root: panel.root ?? page.root }, [page.root, ...page.replies]),
        hasMore: page.hasMore && older,
        loading: false,
      }));
      if (page.lastReadSeq > 0) this.setReadPosition(rootId, page.lastReadSeq);
      const roots = withThreadRoots(this.#store.state.threadRoots, [page.root]);
      if (roots !== this.#store.state.threadRoots) this.#store.set({ threadRoots: roots });
      this.#markRead();
    } catch (error) {
      this.#setPanel(rootId, (panel) => ({ ...panel, loading: false, failed: true }));
      throw error;
    }
  }

  /** Changes the open thread, if it still is `rootId`'s. */
  #setPanel(rootId: string, change: (panel: ThreadPanel) => ThreadPanel): void {
    const panel = this.#store.state.thread;
    if (panel === null || panel.rootId !== rootId) return;
    const next = change(panel);
    if (next !== panel) this.#store.set({ thread: next });
  }
}
