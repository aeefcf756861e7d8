/**
 * Reading rooms' history into their timelines (`state.timelines`, timeline.ts):
 * the newest page once per room (again after a reset), older pages as the user
 * scrolls up, and as many as it takes to show one message (a search result, a
 * pin). Live messages reach the timelines as room events (chat-client.ts); the
 * pages read here are merged with them.
 */
import type { HistoryMessage, Message, RoomId } from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';
import type { ChatStateStore } from './chat-state.ts';
import { mergeMessages } from './timeline.ts';

/** Messages per history page; jumps to a search result read larger pages. */
const pageSize = 50;
const jumpPageSize = 100;
/** A jump gives up after this many pages rather than reading a huge room. */
const maxJumpPages = 50;

export class RoomHistory {
  readonly #store: ChatStateStore;
  readonly #connection: ChatConnection;
  /** The newest page being read, per room: asked for once however often the room is opened meanwhile. */
  readonly #newestLoads = new Map<RoomId, Promise<void>>();

  constructor(store: ChatStateStore, connection: ChatConnection) {
    this.#store = store;
    this.#connection = connection;
  }

  /** Reads the newest history page once per room (again after a reset). */
  ensure(roomId: RoomId): Promise<void> {
    if (this.#store.timeline(roomId).historyLoaded) return Promise.resolve();
    let load = this.#newestLoads.get(roomId);
    if (load === undefined) {
      load = this.#readPage(roomId, undefined, pageSize).finally(() => this.#newestLoads.delete(roomId));
      this.#newestLoads.set(roomId, load);
    }
    return load;
  }

  /** Reads the page before the oldest loaded message (again after one that failed). */
  async loadOlder(roomId: RoomId, limit = pageSize): Promise<void> {
    await this.ensure(roomId);
    const timeline = this.#store.timeline(roomId);
    if (!timeline.hasMore || timeline.loading) return;
    await this.#readPage(roomId, timeline.messages[0]?.seq, limit);
  }

  /** Reads back until the room's `message` is loaded (or the room's start, or `maxJumpPages`), and focuses it. */
  async focus(roomId: RoomId, message: Message): Promise<void> {
    await this.ensure(roomId);
    for (let page = 0; page < maxJumpPages && !this.#has(roomId, message.id); page++) {
      const timeline = this.#store.timeline(roomId);
      if (!timeline.hasMore || (timeline.messages[0]?.seq ?? 0) <= message.seq) break;
      await this.loadOlder(roomId, jumpPageSize);
    }
    this.#store.set({ focus: { roomId, messageId: message.id, nonce: this.#store.nextNonce() } });
  }

  /** Older history is read by itself again (a lost socket fails the read that was out): after a welcome. */
  retryFailed(): void {
    for (const [roomId, timeline] of Object.entries(this.#store.state.timelines)) {
      if (timeline.failed) this.#store.setTimeline(roomId, { failed: false });
    }
  }

  async #readPage(roomId: RoomId, before: number | undefined, limit: number): Promise<void> {
    this.#store.setTimeline(roomId, { loading: true, failed: false });
    try {
      const page = (await this.#connection.requestPage({
        action: 'history',
        roomId,
        limit,
        ...(before === undefined ? {} : { before }),
      })) as HistoryMessage;
      const timeline = this.#store.timeline(roomId);
      // `before` is the listing's cursor (docs/protocol.md, "history"): a page with nothing
      // before it would be asked for again and again as the user stays at the top.
      const older = before === undefined || page.messages.some((message) => message.seq < before);
      this.#store.setTimeline(roomId, {
        messages: mergeMessages(timeline.messages, page.messages),
        historyLoaded: true,
        hasMore: page.hasMore && older,
      });
    } catch (error) {
      this.#store.setTimeline(roomId, { failed: true });
      throw error;
    } finally {
      this.#store.setTimeline(roomId, { loading: false });
    }
  }

  #has(roomId: RoomId, messageId: string): boolean {
    return this.#store.timeline(roomId).messages.some((message: Message) => message.id === messageId);
  }
}
