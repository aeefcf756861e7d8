/**
 * The chat's use cases. Everything the handlers (WebSocket routes and HTTP
 * endpoints) do goes through here; the service reaches the world only through
 * its ports (store, broadcaster, clock) and the token service, so the same code
 * runs in one process on SQLite, on a cluster, and on AWS Lambda.
 *
 * Calls take the acting user's id (from the authorizer context) and, for calls
 * made over a WebSocket, the calling connection's id (`origin`): the caller gets
 * its answer as the route response, so broadcasts skip that connection.
 *
 * Ordering rule for writes: persist first (the store resolves once durable),
 * then broadcast; broadcast failures are logged, never turned into a failed write.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../accounts/password.ts';
import type { TokenClaims, TokenService } from '../accounts/tokens.ts';
import type { ClientLimits, ServerMessage } from '../api/protocol.ts';
import type { Broadcaster } from '../ports/broadcaster.ts';
import type { ChatStore } from '../ports/chat-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { ChatError } from './errors.ts';
import { ChatLimits } from './limits.ts';
import { DEFAULT_ROOM_NAME, generateGuestName, normalizeRoomName, normalizeUsername } from './names.ts';
import { searchTerms } from './search-terms.ts';
import { normalizeMessageText } from './text.ts';
import type {
  CatchUpResult,
  ConnectionId,
  HistoryPage,
  Member,
  Membership,
  Message,
  MessageEvent,
  Room,
  RoomId,
  RoomListing,
  RoomSummary,
  SearchResult,
  Session,
  User,
  UserId,
  UserSummary,
} from './types.ts';
import { directRoomId, roomSummary, userSummary } from './views.ts';

/** Where the service reports failures it deliberately does not throw (broadcasts). pino's logger fits. */
export interface ChatLogger {
  warn(details: object, message: string): void;
}

export interface ChatServiceDependencies {
  store: ChatStore;
  broadcaster: Broadcaster;
  tokens: TokenService;
  /** @default systemClock */
  clock?: Clock;
  /** @default a logger that writes to `console.warn` */
  logger?: ChatLogger;
}

/** Identifies the other user of a direct conversation. */
export type DirectTarget = { userId: UserId } | { username: string };

export interface SendMessageInput {
  roomId: RoomId;
  text: string;
  clientMessageId: string;
}

export interface SendMessageResult {
  message: Message;
  /** The clientMessageId had been stored before: this is the original message, nothing was written. */
  duplicate: boolean;
}

export interface ReadState {
  roomId: RoomId;
  lastReadSeq: number;
  unread: number;
}

export interface Welcome {
  user: UserSummary;
  rooms: RoomSummary[];
  online: UserSummary[];
  limits: ClientLimits;
}

const consoleLogger: ChatLogger = { warn: (details, message) => console.warn(message, details) };

const clientLimits: ClientLimits = {
  messageMaxLength: ChatLimits.messageMaxLength,
  typingIntervalMs: ChatLimits.typingIntervalMs,
  typingTtlMs: ChatLimits.typingTtlMs,
  historyMaxLimit: ChatLimits.historyMaxLimit,
};

export class ChatService {
  readonly #store: ChatStore;
  readonly #broadcaster: Broadcaster;
  readonly #tokens: TokenService;
  readonly #clock: Clock;
  readonly #logger: ChatLogger;

  constructor({ store, broadcaster, tokens, clock = systemClock, logger = consoleLogger }: ChatServiceDependencies) {
    this.#store = store;
    this.#broadcaster = broadcaster;
    this.#tokens = tokens;
    this.#clock = clock;
    this.#logger = logger;
  }

  // Accounts

  /** Creates an account and joins it to `general`. Errors: INVALID_USERNAME, INVALID_PASSWORD, USERNAME_TAKEN. */
  async register(username: string, password: string): Promise<Session> {
    const name = normalizeUsername(username);
    const length = [...password].length;
    if (length < ChatLimits.passwordMinLength || length > ChatLimits.passwordMaxLength) {
      throw new ChatError('INVALID_PASSWORD');
    }
    const user = await this.#store.createUser({
      id: randomUUID(),
      username: name,
      guest: false,
      createdAt: this.#clock.now(),
      passwordHash: await hashPassword(password),
    });
    await this.#joinDefaultRoom(user);
    return this.#session(user);
  }

  /**
   * Errors: BAD_CREDENTIALS (unknown user or wrong password: indistinguishable, and
   * equally slow), RATE_LIMITED after `ChatLimits.loginFailureLimit` failures for the
   * username within `loginFailureWindowMs` (the count resets on success).
   */
  async logIn(username: string, password: string): Promise<Session> {
    const name = username.trim().toLowerCase();
    const key = `login:${name}`;
    const now = this.#clock.now();
    const failures = await this.#store.peekCounter(key, now);
    if (failures.count >= ChatLimits.loginFailureLimit) {
      throw new ChatError('RATE_LIMITED', undefined, { retryAfterMs: failures.resetAt - now });
    }
    const user = await this.#store.getUserByUsername(name);
    const hash = user ? await this.#store.getPasswordHash(user.id) : undefined;
    const valid = await verifyPassword(password, hash ?? (await decoyPasswordHash()));
    if (!user || hash === undefined || !valid) {
      await this.#store.hitCounter(key, ChatLimits.loginFailureWindowMs, now);
      throw new ChatError('BAD_CREDENTIALS');
    }
    await this.#store.resetCounter(key);
    return this.#session(user);
  }

  /** A new guest account with a generated, unused name (e.g. `guest-witty-otter-417`), joined to `general`. */
  async guest(): Promise<Session> {
    for (let attempt = 1; ; attempt++) {
      try {
        const user = await this.#store.createUser({
          id: randomUUID(),
          username: generateGuestName(randomInt),
          guest: true,
          createdAt: this.#clock.now(),
        });
        await this.#joinDefaultRoom(user);
        return this.#session(user);
      } catch (error) {
        // 13,824,000 names: a clash is rare, several in a row means something else is wrong.
        if (!(error instanceof ChatError && error.code === 'USERNAME_TAKEN') || attempt === 5) throw error;
      }
    }
  }

  /** The claims of a valid token whose user exists. Errors: UNAUTHENTICATED. */
  async authenticate(token: string): Promise<TokenClaims> {
    const claims = await this.#tokens.verify(token, this.#clock.now());
    if (!(await this.#store.getUser(claims.userId)))
      throw new ChatError('UNAUTHENTICATED', 'The account no longer exists.');
    return claims;
  }

  // Connections and presence

  /**
   * Records a new connection (`$connect`), subscribes it to the user's rooms, and
   * announces the user online if this is their first connection.
   */
  async connect(connectionId: ConnectionId, userId: UserId): Promise<void> {
    const user = await this.#requireUser(userId);
    const count = await this.#store.addConnection({ connectionId, userId, connectedAt: this.#clock.now() });
    const rooms = await this.#store.listUserRooms(userId);
    await this.#guard('subscribe', () =>
      this.#broadcaster.subscribe(
        connectionId,
        rooms.map(({ room }) => room.id),
      ),
    );
    if (count === 1) await this.#announcePresence(user, rooms, true, connectionId);
  }

  /** Forgets a connection (`$disconnect`); announces the user offline when it was their last. Unknown ids are ignored. */
  async disconnect(connectionId: ConnectionId): Promise<void> {
    const removal = await this.#store.removeConnection(connectionId);
    if (!removal || removal.remaining > 0) return;
    const user = await this.#store.getUser(removal.connection.userId);
    if (!user) return;
    await this.#announcePresence(user, await this.#store.listUserRooms(user.id), false, connectionId);
  }

  /** What a client needs after (re)connecting: who it is, its rooms with unread counts, who is online. */
  async hello(userId: UserId): Promise<Welcome> {
    const user = await this.#requireUser(userId);
    const [rooms, online] = await Promise.all([this.#store.listUserRooms(userId), this.#store.listOnlineUsers()]);
    return {
      user: userSummary(user),
      rooms: rooms.map(roomSummary),
      online: online.map(userSummary),
      limits: clientLimits,
    };
  }

  /** Users with at least one open connection (one entry per user however many tabs they have). */
  async online(): Promise<UserSummary[]> {
    return (await this.#store.listOnlineUsers()).map(userSummary);
  }

  // Rooms

  async listRooms(userId: UserId): Promise<{ joined: RoomSummary[]; directory: RoomListing[] }> {
    const [joined, directory] = await Promise.all([
      this.#store.listUserRooms(userId),
      this.#store.listPublicRooms(userId),
    ]);
    return {
      joined: joined.map(roomSummary),
      directory: directory.map(({ room, memberCount, joined }) => ({
        id: room.id,
        name: room.name!,
        memberCount,
        joined,
      })),
    };
  }

  /** Creates a room and joins the creator. Errors: INVALID_ROOM_NAME, ROOM_NAME_TAKEN. */
  async createRoom(userId: UserId, name: string, origin?: ConnectionId): Promise<RoomSummary> {
    await this.#requireUser(userId);
    const room = await this.#store.createRoom({
      id: randomUUID(),
      name: normalizeRoomName(name),
      createdBy: userId,
      createdAt: this.#clock.now(),
    });
    return this.#join(room, userId, origin);
  }

  /** Joins a room (a no-op for a member). Errors: ROOM_NOT_FOUND, DIRECT_CONVERSATION. */
  async joinRoom(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<RoomSummary> {
    const room = await this.#store.getRoom(roomId);
    if (!room) throw new ChatError('ROOM_NOT_FOUND');
    if (room.kind === 'direct') {
      // Only the two members learn that a direct conversation exists.
      const member = await this.#store.getMembership(roomId, userId);
      throw new ChatError(member ? 'DIRECT_CONVERSATION' : 'ROOM_NOT_FOUND');
    }
    return this.#join(room, userId, origin);
  }

  /** Errors: ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION. */
  async leaveRoom(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<void> {
    const { room } = await this.#requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    const { event } = await this.#store.removeMember(roomId, userId, this.#clock.now());
    const connections = await this.#store.listUserConnections(userId);
    await Promise.all(
      connections.map(({ connectionId }) =>
        this.#guard('unsubscribe', () => this.#broadcaster.unsubscribe(connectionId, [roomId])),
      ),
    );
    if (event) await this.#publish(roomId, event);
    await this.#sendToUser(userId, { type: 'roomLeft', roomId }, origin);
  }

  /** Members with their online state. Errors: ROOM_NOT_FOUND, NOT_A_MEMBER. */
  async members(userId: UserId, roomId: RoomId): Promise<Member[]> {
    await this.#requireMember(userId, roomId);
    const [members, connections] = await Promise.all([
      this.#store.listMembers(roomId),
      this.#store.listRoomConnections(roomId),
    ]);
    const online = new Set(connections.map((connection) => connection.userId));
    return members.map(({ user, joinedAt }) => ({ user: userSummary(user), joinedAt, online: online.has(user.id) }));
  }

  /**
   * Opens (or finds) the direct conversation with another user. Only the two of
   * them are members; the peer is told with a `roomJoined` when it is new.
   * Errors: USER_NOT_FOUND, BAD_REQUEST (yourself).
   */
  async openDirect(userId: UserId, target: DirectTarget, origin?: ConnectionId): Promise<RoomSummary> {
    await this.#requireUser(userId);
    const peer =
      'userId' in target
        ? await this.#store.getUser(target.userId)
        : await this.#store.getUserByUsername(target.username.trim().toLowerCase());
    if (!peer) throw new ChatError('USER_NOT_FOUND');
    if (peer.id === userId) throw new ChatError('BAD_REQUEST', 'A direct conversation needs another user.');
    const { room, created } = await this.#store.openDirect({
      id: directRoomId(userId, peer.id),
      userIds: [userId, peer.id],
      createdAt: this.#clock.now(),
    });
    const summary = await this.#summary(userId, room.id);
    if (created) {
      for (const memberId of [userId, peer.id]) {
        for (const { connectionId } of await this.#store.listUserConnections(memberId)) {
          await this.#guard('subscribe', () => this.#broadcaster.subscribe(connectionId, [room.id]));
        }
      }
      await this.#sendToUser(peer.id, { type: 'roomJoined', room: await this.#summary(peer.id, room.id) });
      await this.#sendToUser(userId, { type: 'roomJoined', room: summary }, origin);
    }
    return summary;
  }

  // Messages

  /**
   * Stores a message and broadcasts it; resolves only once it is durable. A retry
   * with the same `clientMessageId` (same sender and room) returns the original
   * message with `duplicate: true` and writes nothing, even if the text differs.
   * Errors: EMPTY_MESSAGE, MESSAGE_TOO_LONG, BAD_REQUEST, ROOM_NOT_FOUND, NOT_A_MEMBER, STORE_UNAVAILABLE.
   */
  async sendMessage(userId: UserId, input: SendMessageInput, origin?: ConnectionId): Promise<SendMessageResult> {
    const text = normalizeMessageText(input.text);
    const clientMessageId = input.clientMessageId;
    if (clientMessageId.length === 0 || clientMessageId.length > ChatLimits.clientMessageIdMaxLength) {
      throw new ChatError('BAD_REQUEST', 'clientMessageId must be 1 to 64 characters.');
    }
    await this.#requireMember(userId, input.roomId);
    const author = await this.#requireUser(userId);
    const { message, event, created } = await this.#store.appendMessage({
      id: randomUUID(),
      roomId: input.roomId,
      authorId: userId,
      authorName: author.username,
      text,
      clientMessageId,
      at: this.#clock.now(),
    });
    if (created) await this.#publish(input.roomId, event, origin);
    return { message, duplicate: !created };
  }

  /** Errors: EMPTY_MESSAGE, MESSAGE_TOO_LONG, MESSAGE_NOT_FOUND, NOT_YOUR_MESSAGE, MESSAGE_DELETED. */
  async editMessage(userId: UserId, messageId: string, newText: string, origin?: ConnectionId): Promise<MessageEvent> {
    const text = normalizeMessageText(newText);
    await this.#requireOwnMessage(userId, messageId);
    const event = await this.#store.editMessage(messageId, text, this.#clock.now());
    if (!event) throw new ChatError('MESSAGE_DELETED');
    await this.#publish(event.roomId, event, origin);
    return event;
  }

  /** Errors: MESSAGE_NOT_FOUND, NOT_YOUR_MESSAGE, MESSAGE_DELETED. */
  async deleteMessage(userId: UserId, messageId: string, origin?: ConnectionId): Promise<MessageEvent> {
    await this.#requireOwnMessage(userId, messageId);
    const event = await this.#store.deleteMessage(messageId, this.#clock.now());
    if (!event) throw new ChatError('MESSAGE_DELETED');
    await this.#publish(event.roomId, event, origin);
    return event;
  }

  /**
   * A page of history: the `limit` newest messages with `seq < before` (the newest
   * overall without `before`), returned oldest first; deleted messages appear as
   * tombstones. Load older pages with `before = messages[0].seq` while `hasMore`.
   * Errors: ROOM_NOT_FOUND, NOT_A_MEMBER, BAD_REQUEST.
   */
  async history(
    userId: UserId,
    roomId: RoomId,
    options: { before?: number; limit?: number } = {},
  ): Promise<HistoryPage> {
    const limit = options.limit ?? ChatLimits.historyDefaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > ChatLimits.historyMaxLimit) {
      throw new ChatError('BAD_REQUEST', `limit must be 1 to ${ChatLimits.historyMaxLimit}.`);
    }
    await this.#requireMember(userId, roomId);
    const page = await this.#store.listMessages(roomId, { beforeSeq: options.before, limit });
    return { roomId, ...page };
  }

  /**
   * Everything missed since the client's last sequence number per room, in order,
   * with no gap and no duplicate; at most `ChatLimits.catchUpPageSize` events per
   * room per call (`hasMore` says to ask again from the last event's `seq`).
   * Rooms the user cannot read are listed in `notMember`.
   */
  async catchUp(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; lastSeq: number }>): Promise<CatchUpResult> {
    if (rooms.length > ChatLimits.catchUpMaxRooms) {
      throw new ChatError('BAD_REQUEST', `At most ${ChatLimits.catchUpMaxRooms} rooms per catch-up.`);
    }
    const result: CatchUpResult = { rooms: [], notMember: [] };
    const seen = new Set<RoomId>();
    for (const { roomId, lastSeq } of rooms) {
      if (seen.has(roomId)) continue;
      seen.add(roomId);
      if (!(await this.#store.getMembership(roomId, userId))) {
        result.notMember.push(roomId);
        continue;
      }
      const events = await this.#store.listEvents(roomId, Math.max(0, lastSeq), ChatLimits.catchUpPageSize + 1);
      const hasMore = events.length > ChatLimits.catchUpPageSize;
      if (hasMore) events.length = ChatLimits.catchUpPageSize;
      const room = await this.#store.getRoom(roomId);
      result.rooms.push({ roomId, events, lastSeq: room?.lastSeq ?? 0, hasMore });
    }
    return result;
  }

  /**
   * Moves the user's read marker forward (never back) and tells the user's other
   * connections, so unread counts agree across devices. Errors: ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async markRead(userId: UserId, roomId: RoomId, seq: number, origin?: ConnectionId): Promise<ReadState> {
    await this.#requireMember(userId, roomId);
    const view = await this.#store.markRead(roomId, userId, seq);
    if (!view) throw new ChatError('NOT_A_MEMBER');
    const state: ReadState = { roomId, lastReadSeq: view.membership.lastReadSeq, unread: view.unread };
    await this.#sendToUser(userId, { type: 'read', ...state }, origin);
    return state;
  }

  /**
   * Relays a typing indicator to the room (never stored). Broadcast at most once
   * per `ChatLimits.typingIntervalMs` per user and room; extra calls return
   * `false` and send nothing. Clients hide the indicator after `typingTtlMs`.
   * Errors: ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async typing(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<boolean> {
    await this.#requireMember(userId, roomId);
    const now = this.#clock.now();
    const { count } = await this.#store.hitCounter(`typing:${roomId}:${userId}`, ChatLimits.typingIntervalMs, now);
    if (count > 1) return false;
    const user = await this.#requireUser(userId);
    await this.#publish(
      roomId,
      { type: 'typing', roomId, user: userSummary(user), ttlMs: ChatLimits.typingTtlMs },
      origin,
    );
    return true;
  }

  /**
   * Full-text search over the rooms and direct conversations the user is a member
   * of, newest first. Every word of the query must match the start of a word.
   * Errors: BAD_REQUEST (no letters or digits, bad limit), ROOM_NOT_FOUND, NOT_A_MEMBER.
   */
  async search(
    userId: UserId,
    query: string,
    options: { roomId?: RoomId; limit?: number } = {},
  ): Promise<SearchResult[]> {
    const terms = searchTerms(query.slice(0, ChatLimits.searchQueryMaxLength));
    if (terms.length === 0) throw new ChatError('BAD_REQUEST', 'Search for at least one word.');
    const limit = options.limit ?? ChatLimits.searchDefaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > ChatLimits.searchMaxLimit) {
      throw new ChatError('BAD_REQUEST', `limit must be 1 to ${ChatLimits.searchMaxLimit}.`);
    }
    if (options.roomId !== undefined) await this.#requireMember(userId, options.roomId);
    const hits = await this.#store.searchMessages({ userId, terms, roomId: options.roomId, limit });
    const peerNames = new Map<RoomId, string>();
    const results: SearchResult[] = [];
    for (const { message, room, snippet } of hits) {
      let roomName = room.name;
      if (room.kind === 'direct') {
        if (!peerNames.has(room.id))
          peerNames.set(room.id, (await this.#summary(userId, room.id)).peer?.username ?? '');
        roomName = peerNames.get(room.id)!;
      }
      results.push({ message, roomId: room.id, roomKind: room.kind, roomName: roomName ?? '', snippet });
    }
    return results;
  }

  // Plumbing

  async #session(user: User): Promise<Session> {
    const { token, expiresAt } = await this.#tokens.issue(user, this.#clock.now());
    return { token, expiresAt, user: userSummary(user) };
  }

  async #joinDefaultRoom(user: User): Promise<void> {
    let room = await this.#store.getRoomByName(DEFAULT_ROOM_NAME);
    if (!room) {
      try {
        room = await this.#store.createRoom({
          id: randomUUID(),
          name: DEFAULT_ROOM_NAME,
          createdBy: null,
          createdAt: this.#clock.now(),
        });
      } catch (error) {
        // Another node created it first.
        if (!(error instanceof ChatError && error.code === 'ROOM_NAME_TAKEN')) throw error;
        room = await this.#store.getRoomByName(DEFAULT_ROOM_NAME);
        if (!room) throw error;
      }
    }
    await this.#join(room, user.id);
  }

  async #join(room: Room, userId: UserId, origin?: ConnectionId): Promise<RoomSummary> {
    const { event } = await this.#store.addMember(room.id, userId, this.#clock.now());
    const summary = await this.#summary(userId, room.id);
    if (event) {
      const connections = await this.#store.listUserConnections(userId);
      await Promise.all(
        connections.map(({ connectionId }) =>
          this.#guard('subscribe', () => this.#broadcaster.subscribe(connectionId, [room.id])),
        ),
      );
      await this.#publish(room.id, event, origin);
      await this.#sendToUser(userId, { type: 'roomJoined', room: summary }, origin);
    }
    return summary;
  }

  async #summary(userId: UserId, roomId: RoomId): Promise<RoomSummary> {
    const view = await this.#store.getUserRoom(userId, roomId);
    if (!view) throw new ChatError('NOT_A_MEMBER');
    return roomSummary(view);
  }

  async #requireUser(userId: UserId): Promise<User> {
    const user = await this.#store.getUser(userId);
    if (!user) throw new ChatError('UNAUTHENTICATED', 'The account no longer exists.');
    return user;
  }

  /** The room and the caller's membership; a direct conversation of others is reported as not found. */
  async #requireMember(userId: UserId, roomId: RoomId): Promise<{ room: Room; membership: Membership }> {
    const [room, membership] = await Promise.all([
      this.#store.getRoom(roomId),
      this.#store.getMembership(roomId, userId),
    ]);
    if (!room || (room.kind === 'direct' && !membership)) throw new ChatError('ROOM_NOT_FOUND');
    if (!membership) throw new ChatError('NOT_A_MEMBER');
    return { room, membership };
  }

  async #requireOwnMessage(userId: UserId, messageId: string): Promise<Message> {
    const message = await this.#store.getMessage(messageId);
    // A message in a room the caller cannot read does not exist for them.
    if (!message || !(await this.#store.getMembership(message.roomId, userId))) {
      throw new ChatError('MESSAGE_NOT_FOUND');
    }
    if (message.authorId !== userId) throw new ChatError('NOT_YOUR_MESSAGE');
    if (message.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    return message;
  }

  async #announcePresence(
    user: User,
    rooms: ReadonlyArray<{ room: Room }>,
    online: boolean,
    origin: ConnectionId,
  ): Promise<void> {
    const summary = userSummary(user);
    for (const { room } of rooms) {
      await this.#publish(room.id, { type: 'presence', roomId: room.id, user: summary, online }, origin);
    }
  }

  #publish(roomId: RoomId, message: ServerMessage, except?: ConnectionId): Promise<void> {
    return this.#guard('publishToRoom', () =>
      this.#broadcaster.publishToRoom(roomId, message, except ? { exceptConnectionId: except } : undefined),
    );
  }

  async #sendToUser(userId: UserId, message: ServerMessage, except?: ConnectionId): Promise<void> {
    const connections = await this.#store.listUserConnections(userId);
    await Promise.all(
      connections
        .filter(({ connectionId }) => connectionId !== except)
        .map(({ connectionId }) =>
          this.#guard('sendToConnection', () => this.#broadcaster.sendToConnection(connectionId, message)),
        ),
    );
  }

  /** Runs a broadcaster call; a failure is logged, never thrown (clients recover by catch-up). */
  async #guard(operation: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.#logger.warn({ err: error, operation }, 'chat: broadcast failed');
    }
  }
}
