/**
 * Connections and presence: a user's connections opening and closing (online
 * and offline announcements), what a client needs after connecting, who is
 * online, and typing indicators (relayed, never stored).
 */
import type { ClientLimits } from '../../api/protocol.ts';
import type { Page, RoomSize, UserKey } from '../../ports/chat-store.ts';
import { AnswerBudget } from '../answer-budget.ts';
import type { FileLimits } from '../attachments.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatError, toChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import type { ConnectionId, RoomId, RoomSummary, User, UserId, UserSummary } from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';
import { DeferredWork } from './deferred-work.ts';
import type { GuestExpiry } from './guest-expiry.ts';
import type { HeartbeatService } from './heartbeat.ts';

/** Who opens a connection: the claims the authorizer passed on. */
export interface Identity {
  userId: UserId;
  sessionId: string;
}

export interface Welcome {
  user: UserSummary;
  /** The first page of the user's rooms (by id). */
  rooms: RoomSummary[];
  /** More rooms follow: `listRooms` with this cursor. */
  roomsCursor?: string;
  /** The first page of who is online (by username). */
  online: UserSummary[];
  /** More online users follow: `online` with this cursor. */
  onlineCursor?: string;
  /** The `since` of the first `ping`: rooms that move after the welcome are named in its `pong`. */
  pingSince: string;
  limits: ClientLimits;
  /** The user is one of the server's admins (`CHAT_ADMINS`): may deactivate accounts and read every audit log. */
  serverAdmin: boolean;
}

export interface PresenceOptions {
  /**
   * Rooms with more members than this send no `presence` frames (`#announce`);
   * 0 turns presence frames off. @default 250 (`defaultPresenceMaxRoomMembers`)
   */
  maxRoomMembers: number;
  /** What files the server takes, told to clients in `welcome.limits.files`; `null` for none. */
  fileLimits: FileLimits | null;
}

/** Large enough for a team's rooms, small enough that a restart costs at most 250² frames per room. */
export const defaultPresenceMaxRoomMembers = 250;

/** Throws `RangeError` unless `value` is a whole number of members, 0 or more. */
export function checkPresenceMaxRoomMembers(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`presenceMaxRoomMembers must be a whole number of members, 0 or more, got ${value}.`);
  }
}

/** Failed disconnects remembered at most (past this, the stale-connection sweep forgets the connections). */
const FAILED_DISCONNECTS_MAX = 100_000;

function storeWasAway(error: unknown): boolean {
  return toChatError(error).code === 'STORE_UNAVAILABLE';
}

/** A page of online users. */
export interface OnlinePage {
  users: UserSummary[];
  /** More follow: `online` with this cursor. */
  nextCursor?: string;
}

export class PresenceService {
  readonly #context: ServiceContext;
  readonly #guests: GuestExpiry;
  readonly #clientLimits: ClientLimits;
  readonly #heartbeat: HeartbeatService;

  readonly #maxRoomMembers: number;
  readonly #failedDisconnects = new DeferredWork<ConnectionId>({
    maxItems: FAILED_DISCONNECTS_MAX,
    run: (connectionId) => this.#disconnect(connectionId),
    transient: storeWasAway,
  });

  constructor(context: ServiceContext, guests: GuestExpiry, heartbeat: HeartbeatService, options: PresenceOptions) {
    checkPresenceMaxRoomMembers(options.maxRoomMembers);
    this.#maxRoomMembers = options.maxRoomMembers;
    this.#context = context;
    this.#guests = guests;
    this.#heartbeat = heartbeat;
    this.#clientLimits = {
      messageMaxLength: ChatLimits.messageMaxLength,
      typingIntervalMs: ChatLimits.typingIntervalMs,
      typingTtlMs: ChatLimits.typingTtlMs,
      historyMaxLimit: ChatLimits.historyMaxLimit,
      heartbeatIntervalMs: heartbeat.intervalMs,
      files: options.fileLimits,
    };
  }

  /**
   * Records a new connection (`$connect`) of a live session, subscribes it to
   * the user's rooms, and announces the user online if this is their first connection.
   * Errors: UNAUTHENTICATED, TOO_MANY_CONNECTIONS (`RateLimitSettings.connectionsPerUser`).
   */
  async connect(connectionId: ConnectionId, { userId, sessionId }: Identity): Promise<void> {
    const context = this.#context;
    await context.requireSession(sessionId, userId);
    const user = await context.requireUser(userId);
    const count = await context.store.addConnection({ connectionId, userId, connectedAt: context.clock.now() });
    if (count > context.limits.settings.connectionsPerUser) {
      // Counted after the write, so racing handshakes can only be refused too often, never too rarely.
      await context.store.removeConnection(connectionId);
      throw new ChatError('TOO_MANY_CONNECTIONS');
    }
    // Only a first connection announces anything, so only it needs the rooms' sizes.
    const first = count === 1;
    const rooms = await context.store.listUserRoomSizes(userId, first ? this.#maxRoomMembers + 1 : 0);
    const roomIds = rooms.map((room) => room.roomId);
    await context.guard('subscribe', () => context.broadcaster.subscribe(connectionId, roomIds));
    if (first) await this.#announce(user, rooms, true, connectionId);
    await this.#guests.active(user);
  }

  /**
   * Forgets a connection (`$disconnect`); announces the user offline when it was their
   * last. Unknown ids are ignored. One that fails because the store is away is done
   * again once it is back (`retryFailedDisconnects`), so the user does not stay
   * online until the stale-connection sweep; the failure is still thrown.
   */
  async disconnect(connectionId: ConnectionId): Promise<void> {
    try {
      await this.#disconnect(connectionId);
    } catch (error) {
      if (storeWasAway(error)) this.#failedDisconnects.add(connectionId);
      throw error;
    }
  }

  /** Disconnects that failed while the store was away, done again; stops while it still is. */
  retryFailedDisconnects(): Promise<void> {
    return this.#failedDisconnects.retry();
  }

  async #disconnect(connectionId: ConnectionId): Promise<void> {
    const { store } = this.#context;
    const removal = await store.removeConnection(connectionId);
    if (!removal) return;
    const user = await store.getUser(removal.connection.userId);
    if (!user) return;
    await this.#guests.active(user);
    if (removal.remaining > 0) return;
    const rooms = await store.listUserRoomSizes(user.id, this.#maxRoomMembers + 1);
    await this.#announce(user, rooms, false, connectionId);
  }

  /**
   * What a client needs after (re)connecting: who it is, its rooms with unread
   * counts, who is online. Both lists are first pages, cut to fit one frame; the
   * cursors say where the rest is. Errors: RATE_LIMITED (reads).
   */
  async hello(userId: UserId): Promise<Welcome> {
    const { store, limits } = this.#context;
    await limits.take('read', userId);
    const user = await this.#context.requireUser(userId);
    const pingSince = this.#heartbeat.start();
    const [rooms, online] = await Promise.all([
      store.listUserRooms(userId, { limit: ChatLimits.roomsPageSize + 1 }),
      store.listOnlineUsers({ limit: ChatLimits.onlinePageSize + 1 }),
    ]);
    const budget = new AnswerBudget();
    const welcome: Welcome = {
      user: userSummary(user),
      rooms: [],
      online: [],
      pingSince,
      limits: this.#clientLimits,
      serverAdmin: !user.guest && this.#context.serverAdmins.has(user.username),
    };
    budget.take(welcome);
    const roomsPage = budget.page(await this.#context.summaries(userId, rooms), ChatLimits.roomsPageSize);
    welcome.rooms = roomsPage.items;
    if (roomsPage.more) {
      welcome.roomsCursor = encodeCursor({ list: 'joined', after: roomsPage.items.at(-1)?.id ?? '', only: true });
    }
    const onlinePage = budget.page(online.map(userSummary), ChatLimits.onlinePageSize);
    welcome.online = onlinePage.items;
    if (onlinePage.more) welcome.onlineCursor = onlineCursor(onlinePage.items.at(-1));
    return welcome;
  }

  /**
   * Users with at least one open connection (one entry per user however many
   * tabs they have), by username, a page at a time. Errors: RATE_LIMITED (reads), BAD_REQUEST (a cursor
   * that is not an `online` one).
   */
  async online(userId: UserId, cursor?: string): Promise<OnlinePage> {
    await this.#context.limits.take('read', userId);
    const page: Page<UserKey> = { limit: ChatLimits.onlinePageSize + 1 };
    if (cursor !== undefined) {
      const { username, id } = decodeCursor(cursor, 'online');
      page.after = { username, id };
    }
    const users = await this.#context.store.listOnlineUsers(page);
    const { items, more } = new AnswerBudget().page(users.map(userSummary), ChatLimits.onlinePageSize);
    return more ? { users: items, nextCursor: onlineCursor(items.at(-1)) } : { users: items };
  }

  /**
   * Relays a typing indicator to the room (never stored). Broadcast at most once
   * per `ChatLimits.typingIntervalMs` per user and room; extra calls return
   * `false` and send nothing. Clients hide the indicator after `typingTtlMs`.
   * Errors: ROOM_NOT_FOUND, NOT_A_MEMBER, RATE_LIMITED (the user's typing frames in all rooms).
   */
  async typing(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<boolean> {
    const context = this.#context;
    await context.limits.take('typing', userId);
    const { user } = await context.requireMemberAndUser(userId, roomId);
    const now = context.clock.now();
    const { count } = await context.store.hitCounter(`typing:${roomId}:${userId}`, ChatLimits.typingIntervalMs, now);
    if (count > 1) return false;
    await context.publish(
      roomId,
      { type: 'typing', roomId, user: userSummary(user), ttlMs: ChatLimits.typingTtlMs },
      origin,
    );
    return true;
  }

  /**
   * Tells the user's rooms of at most `maxRoomMembers` members (`rooms` counted
   * up to one past it). A larger room
   * hears nothing: each member coming and going would be a frame to every
   * other member, so N members reconnecting at once (a restart) would cost
   * about N² frames; there, clients read `online` when they want to know.
   */
  async #announce(user: User, rooms: readonly RoomSize[], online: boolean, origin: ConnectionId): Promise<void> {
    const summary = userSummary(user);
    for (const { roomId, members } of rooms) {
      if (members > this.#maxRoomMembers) continue;
      await this.#context.publish(roomId, { type: 'presence', roomId, user: summary, online }, origin);
    }
  }
}

/** The cursor after `last` (from the start when the page was empty). */
function onlineCursor(last: UserSummary | undefined): string {
  return encodeCursor({ list: 'online', username: last?.username ?? '', id: last?.id ?? '' });
}
