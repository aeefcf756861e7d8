/**
 * The people the chat shows: who is online (`state.online`) and the loaded part
 * of each opened room's member list (`state.members`, member-list.ts). The server
 * lists both in pages, so each listing is followed by a `CursorTrail` (a server
 * whose cursors never end cannot keep it reading), and a reading overtaken by a
 * newer one from the first page (a welcome, a refresh, the room opened again)
 * drops what it read. Rooms larger than the server's presence limit send no
 * `presence` frames, so the online list is read again now and then.
 */
import type {
  MembersMessage,
  OnlineMessage,
  PresenceMessage,
  RoomId,
  UserSummary,
  WelcomeMessage,
} from '@switchboard/chat/api';
import type { ChatConnection } from '../connection/chat-connection.ts';
import { CursorTrail } from '../connection/cursor-trail.ts';
import type { ChatStateStore } from './chat-state.ts';
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

export interface RosterOptions {
  isReading: () => boolean;
  now: () => number;
  /** Pages of online users read by themselves after each `welcome` (`ChatClientOptions.onlinePages`). */
  onlinePages: number;
  /** How often the online list is read again while the page is being read (`ChatClientOptions.onlineRefreshMs`). */
  onlineRefreshMs: number;
}

export class Roster {
  readonly #store: ChatStateStore;
  readonly #connection: ChatConnection;
  readonly #isReading: () => boolean;
  readonly #now: () => number;
  readonly #onlinePages: number;
  readonly #onlineRefreshMs: number;
  #onlineRefreshTimer: ReturnType<typeof setInterval> | null = null;
  /**
   * The refresh of the online list still being read: the next interval waits for
   * it, since a new one would set its answer aside as stale (on a slow link, every
   * refresh would be overtaken by the next and none would be shown).
   */
  #onlineRefresh: Promise<void> | null = null;
  /** The cursors of the online users since the last `welcome`. */
  #onlineTrail = new CursorTrail();
  /** The trail of the `online` page being read (a page of an older one, waiting to retry, does not count). */
  #onlineLoading: CursorTrail | null = null;
  /** The cursors of each room's member list since its first page. */
  readonly #memberTrails = new Map<RoomId, CursorTrail>();

  constructor(store: ChatStateStore, connection: ChatConnection, options: RosterOptions) {
    this.#store = store;
    this.#connection = connection;
    this.#isReading = options.isReading;
    this.#now = options.now;
    this.#onlinePages = options.onlinePages;
    this.#onlineRefreshMs = options.onlineRefreshMs;
  }

  /**
   * Reads who is online again every `onlineRefreshMs`, while online, the page is
   * being read and the previous refresh is done.
   */
  startRefreshing(): void {
    this.#onlineRefreshTimer = setInterval(() => {
      if (this.#onlineRefresh !== null || this.#connection.state !== 'online' || !this.#isReading()) return;
      const refresh = this.#refreshOnline().finally(() => {
        this.#onlineRefresh = null;
      });
      this.#onlineRefresh = refresh;
      this.#store.load(refresh);
    }, this.#onlineRefreshMs);
  }

  stopRefreshing(): void {
    if (this.#onlineRefreshTimer !== null) clearInterval(this.#onlineRefreshTimer);
    this.#onlineRefreshTimer = null;
  }

  /** The online list starts again from the welcome's first page (`readOnlinePages` reads on). */
  welcome(welcome: WelcomeMessage): void {
    this.#onlineTrail = new CursorTrail();
    this.#store.set({
      online: welcome.online,
      onlineCursor: this.#onlineTrail.next(welcome.onlineCursor, welcome.online.length),
    });
  }

  /** Follows the welcome's `onlineCursor` for up to `onlinePages` pages. */
  async readOnlinePages(): Promise<void> {
    for (let page = 1; page < this.#onlinePages && this.#store.state.onlineCursor !== null; page++) {
      await this.loadMoreOnline();
    }
  }

  /** Reads the next page of online users, if more follow. */
  async loadMoreOnline(): Promise<void> {
    const cursor = this.#store.state.onlineCursor;
    const trail = this.#onlineTrail;
    if (cursor === null || this.#onlineLoading === trail) return;
    this.#onlineLoading = trail;
    try {
      const page = (await this.#connection.requestPage({ action: 'online', cursor })) as OnlineMessage;
      // A new welcome meanwhile started the list again.
      if (trail !== this.#onlineTrail) return;
      const known = new Set(this.#store.state.online.map((user) => user.id));
      const added = page.users.filter((user) => !known.has(user.id));
      this.#store.set({
        online: [...this.#store.state.online, ...added],
        onlineCursor: trail.next(page.nextCursor, added.length),
      });
    } finally {
      if (this.#onlineLoading === trail) this.#onlineLoading = null;
    }
  }

  /** Someone came online or went (a `presence` frame): the online list and the room's members show it. */
  onPresence(frame: PresenceMessage): void {
    const others = this.#store.state.online.filter((user) => user.id !== frame.user.id);
    const online = frame.online ? [...others, frame.user] : others;
    if (online.length !== this.#store.state.online.length || frame.online) this.#store.set({ online });
    this.#setMembers(frame.roomId, (list) => withOnline(list, frame.user.id, frame.online));
  }

  /** Reads the first page of the room's members (again: it is read each time the room is opened). */
  loadMembers(roomId: RoomId): Promise<void> {
    return this.#readMembers(roomId, undefined);
  }

  /** Reads the next page of the room's members, if more follow. */
  async loadMoreMembers(roomId: RoomId): Promise<void> {
    const list = this.#store.state.members[roomId];
    if (list === undefined || list.nextCursor === null || list.loading) return;
    await this.#readMembers(roomId, list.nextCursor);
  }

  /** A `memberJoined` (`joined`) or `memberLeft` event. */
  onMembership(roomId: RoomId, user: UserSummary, joined: boolean): void {
    const online = this.#store.state.online.some((candidate) => candidate.id === user.id);
    this.#setMembers(roomId, (list) =>
      joined ? withMember(list, { user, joinedAt: this.#now(), online, role: 'member' }) : withoutMember(list, user.id),
    );
  }

  /** A `memberRoleChanged` event. */
  onRoleChanged(roomId: RoomId, userId: string, role: 'admin' | 'member'): void {
    this.#setMembers(roomId, (list) => withMemberRole(list, userId, role));
  }

  /** The room is gone for the user: a page of its member list still being read is dropped. */
  forgetRoom(roomId: RoomId): void {
    this.#memberTrails.delete(roomId);
  }

  /**
   * Reads who is online again from the first page (then up to `onlinePages`,
   * as after a welcome). When that reaches the end of the list, the loaded
   * member lists take their online dots from it too.
   */
  async #refreshOnline(): Promise<void> {
    const trail = new CursorTrail();
    this.#onlineTrail = trail;
    const page = (await this.#connection.requestPage({ action: 'online' })) as OnlineMessage;
    // A welcome or another refresh meanwhile started the list again.
    if (trail !== this.#onlineTrail) return;
    this.#store.set({ online: page.users, onlineCursor: trail.next(page.nextCursor, page.users.length) });
    await this.readOnlinePages();
    if (trail !== this.#onlineTrail || this.#store.state.onlineCursor !== null) return;
    const online = new Set(this.#store.state.online.map((user) => user.id));
    for (const roomId of Object.keys(this.#store.state.members)) {
      this.#setMembers(roomId, (list) => withOnlineFrom(list, online));
    }
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
      const loaded = first ? [] : (this.#store.state.members[roomId]?.members ?? []);
      const members = withPage(loaded, page.members);
      const nextCursor = trail.next(page.nextCursor, members.length - loaded.length);
      this.#setMembers(roomId, () => ({ members, nextCursor, loading: false }));
    } catch (error) {
      if (trail === this.#memberTrails.get(roomId)) this.#setMembers(roomId, (list) => ({ ...list, loading: false }));
      throw error;
    }
  }

  /** Changes a room's member list; one never loaded is left alone unless `create`. */
  #setMembers(roomId: RoomId, change: (list: MemberList) => MemberList, create = false): void {
    const list = this.#store.state.members[roomId];
    if (list === undefined && !create) return;
    const next = change(list ?? emptyMemberList);
    if (next !== list) this.#store.set({ members: { ...this.#store.state.members, [roomId]: next } });
  }
}
