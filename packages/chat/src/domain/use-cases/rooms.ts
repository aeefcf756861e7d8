/**
 * Rooms and membership: the directory, creating, joining and leaving rooms,
 * member lists, and direct conversations (rooms of exactly two members that
 * nobody else can see).
 */
import { randomUUID } from 'node:crypto';
import type { Page, UserKey } from '../../ports/chat-store.ts';
import { AnswerBudget } from '../answer-budget.ts';
import { type Cursor, decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { DEFAULT_ROOM_NAME, normalizeRoomName } from '../names.ts';
import { hiddenFromOutsiders } from '../room-access.ts';
import { roomRole } from '../room-permissions.ts';
import type {
  ConnectionId,
  Member,
  Room,
  RoomId,
  RoomListing,
  RoomSummary,
  RoomVisibility,
  User,
  UserId,
  UserSummary,
  UserTarget,
} from '../types.ts';
import { directRoomId, userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';
import { announceConversation } from './conversation-start.ts';

/** A page of `listRooms`: more of the user's rooms, then of the directory. */
export interface RoomsPage {
  joined: RoomSummary[];
  directory: RoomListing[];
  /** More follow: `listRooms` with this cursor. */
  nextCursor?: string;
}

/** A page of a room's members. */
export interface MembersPage {
  members: Member[];
  /** More follow: `members` with this cursor. */
  nextCursor?: string;
}

export class RoomService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * The user's rooms (by id), then the directory of public rooms (by name), a
   * page at a time: one answer holds the end of one list and the start of the
   * next when both fit. A cursor from `welcome.roomsCursor` continues the user's
   * rooms only. Errors: RATE_LIMITED (reads), BAD_REQUEST (a cursor that is not a `listRooms` one).
   */
  async listRooms(userId: UserId, cursorText?: string): Promise<RoomsPage> {
    const { store, limits } = this.#context;
    await limits.take('read', userId);
    const cursor: Cursor =
      cursorText === undefined
        ? { list: 'joined', after: '', only: false }
        : decodeCursor(cursorText, 'joined', 'directory');
    const budget = new AnswerBudget();
    const answer: RoomsPage = { joined: [], directory: [] };
    let directoryAfter = '';
    if (cursor.list === 'joined') {
      const rooms = await store.listUserRooms(userId, { ...after(cursor.after), limit: ChatLimits.roomsPageSize + 1 });
      const page = budget.page(await this.#context.summaries(userId, rooms), ChatLimits.roomsPageSize);
      answer.joined = page.items;
      if (page.more || cursor.only) {
        if (page.more) {
          const last = page.items.at(-1)?.id ?? cursor.after;
          answer.nextCursor = encodeCursor({ list: 'joined', after: last, only: cursor.only });
        }
        return answer;
      }
    } else {
      directoryAfter = cursor.after;
    }
    const rooms = await store.listPublicRooms(userId, {
      ...after(directoryAfter),
      limit: ChatLimits.directoryPageSize + 1,
    });
    const listings = rooms.map(({ room, memberCount, joined }) => ({
      id: room.id,
      name: room.name!,
      topic: room.topic,
      memberCount,
      joined,
    }));
    const page = budget.page(listings, ChatLimits.directoryPageSize);
    answer.directory = page.items;
    if (page.more) {
      answer.nextCursor = encodeCursor({ list: 'directory', after: page.items.at(-1)?.name ?? directoryAfter });
    }
    return answer;
  }

  /**
   * Creates a room (public unless `visibility` says `private`) and joins the creator, its owner.
   * Errors: INVALID_ROOM_NAME, RATE_LIMITED, ROOM_NAME_TAKEN.
   */
  async createRoom(
    userId: UserId,
    name: string,
    origin?: ConnectionId,
    visibility: RoomVisibility = 'public',
  ): Promise<RoomSummary> {
    const normalized = normalizeRoomName(name);
    await this.#context.limits.take('createRoom', userId);
    await this.#context.requireUser(userId);
    const room = await this.#context.store.createRoom({
      id: randomUUID(),
      name: normalized,
      createdBy: userId,
      createdAt: this.#context.clock.now(),
      visibility,
    });
    return this.join(room, userId, origin);
  }

  /**
   * Joins a public room (a no-op for a member). A private room takes an invite
   * (use-cases/invites.ts): to others it does not exist.
   * Errors: RATE_LIMITED, ROOM_NOT_FOUND, DIRECT_CONVERSATION, BANNED_FROM_ROOM.
   */
  async joinRoom(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<RoomSummary> {
    await this.#context.limits.take('membership', userId);
    const room = await this.#context.store.getRoom(roomId);
    if (!room) throw new ChatError('ROOM_NOT_FOUND');
    if (room.kind === 'direct') {
      // Only the two members learn that a direct conversation exists.
      const member = await this.#context.store.getMembership(roomId, userId);
      throw new ChatError(member ? 'DIRECT_CONVERSATION' : 'ROOM_NOT_FOUND');
    }
    if (hiddenFromOutsiders(room) && !(await this.#context.store.getMembership(roomId, userId))) {
      throw new ChatError('ROOM_NOT_FOUND');
    }
    if (await this.#context.store.isBannedFromRoom(roomId, userId)) throw new ChatError('BANNED_FROM_ROOM');
    return this.join(room, userId, origin);
  }

  /** Errors: RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION. */
  async leaveRoom(userId: UserId, roomId: RoomId, origin?: ConnectionId): Promise<void> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    const { room } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    const { event } = await context.store.removeMember(roomId, userId, context.clock.now());
    await context.unsubscribeUser(userId, roomId);
    if (event) await context.publish(roomId, event);
    await context.sendToUser(userId, { type: 'roomLeft', roomId }, origin);
  }

  /**
   * Members with their online state, by username, a page at a time. Errors: RATE_LIMITED (reads),
   * ROOM_NOT_FOUND, NOT_A_MEMBER, BAD_REQUEST (a cursor that is not a `members` one).
   */
  async members(userId: UserId, roomId: RoomId, cursor?: string): Promise<MembersPage> {
    await this.#context.limits.take('read', userId);
    const { room } = await this.#context.requireMember(userId, roomId);
    const page: Page<UserKey> = { limit: ChatLimits.membersPageSize + 1 };
    if (cursor !== undefined) {
      const { username, id } = decodeCursor(cursor, 'members');
      page.after = { username, id };
    }
    const records = await this.#context.store.listMembers(roomId, page);
    const members = records.map(({ user, joinedAt, online, role }) => ({
      user: userSummary(user),
      joinedAt,
      online,
      role: roomRole(room, { userId: user.id, role }),
    }));
    const { items, more } = new AnswerBudget().page(members, ChatLimits.membersPageSize);
    if (!more) return { members: items };
    const last = items.at(-1)?.user ?? page.after ?? { username: '', id: '' };
    return { members: items, nextCursor: encodeCursor({ list: 'members', username: last.username, id: last.id }) };
  }

  /**
   * Opens (or finds) the direct conversation with another user. Only the two of
   * them are members; the peer is told with a `roomJoined` when it is new.
   * Errors: RATE_LIMITED, USER_NOT_FOUND, BAD_REQUEST (yourself), ACCOUNT_DEACTIVATED (the other person's).
   */
  async openDirect(userId: UserId, target: UserTarget, origin?: ConnectionId): Promise<RoomSummary> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    await context.requireUser(userId);
    const peer = await context.findUser(target);
    if (!peer) throw new ChatError('USER_NOT_FOUND');
    if (peer.id === userId) throw new ChatError('BAD_REQUEST', 'A direct conversation needs another user.');
    await context.requireActive([peer]);
    const { room, created } = await context.store.openDirect({
      id: directRoomId(userId, peer.id),
      userIds: [userId, peer.id],
      createdAt: context.clock.now(),
    });
    const summary = await context.summary(userId, room.id);
    if (created) await announceConversation(context, room.id, [userId, peer.id], summary, origin);
    return summary;
  }

  /** Joins a new user to `general`, creating it on first use. */
  async joinDefaultRoom(user: User): Promise<void> {
    const { store, clock } = this.#context;
    let room = await store.getRoomByName(DEFAULT_ROOM_NAME);
    if (!room) {
      try {
        room = await store.createRoom({
          id: randomUUID(),
          name: DEFAULT_ROOM_NAME,
          createdBy: null,
          createdAt: clock.now(),
        });
      } catch (error) {
        // Another node created it first.
        if (!(error instanceof ChatError && error.code === 'ROOM_NAME_TAKEN')) throw error;
        room = await store.getRoomByName(DEFAULT_ROOM_NAME);
        if (!room) throw error;
      }
    }
    await this.join(room, user.id);
  }

  /**
   * Adds the member; when that is news, subscribes their connections and tells
   * the room and the user (naming who invited them, when someone did).
   */
  async join(room: Room, userId: UserId, origin?: ConnectionId, invitedBy?: UserSummary): Promise<RoomSummary> {
    const context = this.#context;
    const { event } = await context.store.addMember(room.id, userId, context.clock.now());
    if (event && (await context.store.isBannedFromRoom(room.id, userId))) {
      // Banned while joining: the ban looked for a membership before this one was written,
      // and this join for a ban before the ban was (each writes, then checks the other).
      const { event: left } = await context.store.removeMember(room.id, userId, context.clock.now());
      await context.publish(room.id, event, origin);
      if (left) await context.publish(room.id, left, origin);
      throw new ChatError('BANNED_FROM_ROOM');
    }
    const summary = await context.summary(userId, room.id);
    if (event) {
      const connections = await context.store.listUserConnections(userId);
      await Promise.all(
        connections.map(({ connectionId }) =>
          context.guard('subscribe', () => context.broadcaster.subscribe(connectionId, [room.id])),
        ),
      );
      await context.publish(room.id, event, origin);
      await context.sendToUser(userId, { type: 'roomJoined', room: summary, ...(invitedBy && { invitedBy }) }, origin);
    }
    return summary;
  }
}

/** A keyset start from a cursor's key: none for the empty key (the first page). */
function after(key: string): { after?: string } {
  return key === '' ? {} : { after: key };
}
