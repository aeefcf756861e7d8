/**
 * Room moderation: the owner names admins (and takes it back); the owner and
 * admins remove members, ban people (members or not: they stay out until let back
 * in), list and lift bans, and make a room read-only. Deleting someone else's
 * message as a moderator is `MessageService.deleteMessage`, and the topic is
 * `TopicService`; who may do what is domain/room-permissions.ts.
 *
 * Every change is written to the audit log (use-cases/audit-log.ts) and is a
 * room event (`memberRoleChanged`, `memberLeft`, `readOnlyChanged`), so members
 * who were away learn it from catch-up; a removed member's connections leave
 * the room's stream and are told with `removedFromRoom`.
 */

import { decodeCursor, encodeCursor } from '../cursor.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { mayManageRoom, mayModerate, outranks, roomRole } from '../room-permissions.ts';
import type {
  ConnectionId,
  Membership,
  Room,
  RoomBan,
  RoomEvent,
  RoomId,
  StoredRole,
  UserId,
  UserSummary,
  UserTarget,
} from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';

export interface ModerationResult {
  /** The event written; `null` when the room already was so (nothing was written). */
  event: RoomEvent | null;
}

export interface BanResult {
  user: UserSummary;
  /** They were a member, and were removed (the room got `memberLeft`). */
  removed: boolean;
}

export interface UnbanResult {
  user: UserSummary;
  /** There was a ban, and it is gone; `false` when they were not banned. */
  lifted: boolean;
}

export interface BansPage {
  /** By user id. */
  bans: RoomBan[];
  /** Present when there may be more: send it back as `cursor`. */
  nextCursor?: string;
}

export class ModerationService {
  readonly #context: ServiceContext;

  constructor(context: ServiceContext) {
    this.#context = context;
  }

  /**
   * Makes a member an admin (`admin`) or a plain member again (`member`).
   * Errors: RATE_LIMITED (shared with edits), ROOM_NOT_FOUND, NOT_A_MEMBER,
   * DIRECT_CONVERSATION, NOT_ROOM_OWNER, CANNOT_MODERATE_MEMBER (the owner), MEMBER_NOT_FOUND.
   */
  async setMemberRole(
    userId: UserId,
    roomId: RoomId,
    targetId: UserId,
    role: StoredRole,
    origin?: ConnectionId,
  ): Promise<ModerationResult> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION', 'Direct conversations have no admins.');
    if (!mayManageRoom(room, membership)) throw new ChatError('NOT_ROOM_OWNER');
    if (targetId === room.createdBy) throw new ChatError('CANNOT_MODERATE_MEMBER', 'The owner’s role cannot change.');
    const event = await context.store.setMemberRole(roomId, targetId, role, context.clock.now());
    if (event?.type === 'memberRoleChanged') {
      await context.recordModeration(userId, roomId, 'memberRoleChanged', event.user, role);
      await context.publish(roomId, event, origin);
    }
    return { event };
  }

  /**
   * Removes a member of a lower role than the caller's: the owner removes admins
   * and members, admins remove members. The member loses the room at once (its
   * stream, history, catch-up) and is told with `removedFromRoom`. With `ban`,
   * they stay out: they cannot join again, redeem an invite link or be added by
   * a member (`BANNED_FROM_ROOM`) until the owner or an admin adds them back
   * (`inviteMember`), which lifts the ban. The ban is written first, so a
   * removal that fails after it leaves a ban and a member, and a retry finishes it.
   * Errors: RATE_LIMITED (shared with joins and leaves), ROOM_NOT_FOUND, NOT_A_MEMBER,
   * DIRECT_CONVERSATION, NOT_ROOM_MODERATOR, MEMBER_NOT_FOUND, CANNOT_MODERATE_MEMBER.
   */
  async removeMember(
    userId: UserId,
    roomId: RoomId,
    targetId: UserId,
    options: { ban?: boolean } = {},
    origin?: ConnectionId,
  ): Promise<RoomEvent> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    const { room, membership } = await this.#requireModerator(userId, roomId);
    const target = await context.store.getMembership(roomId, targetId);
    if (!target) throw new ChatError('MEMBER_NOT_FOUND');
    return this.#remove(userId, room, membership, target, options.ban ?? false, origin);
  }

  /**
   * Bans a user (by id or username) from the room, member or not. A member is removed as by
   * `removeMember` with `ban`; someone who left, or never joined, is kept out from
   * now on (audit `userBanned`). Banning someone already banned changes nothing.
   * Errors: RATE_LIMITED (shared with joins and leaves), ROOM_NOT_FOUND, NOT_A_MEMBER,
   * DIRECT_CONVERSATION, NOT_ROOM_MODERATOR, USER_NOT_FOUND, CANNOT_MODERATE_MEMBER
   * (yourself, the owner, or a member whose role is not below yours).
   */
  async ban(userId: UserId, roomId: RoomId, whom: UserTarget, origin?: ConnectionId): Promise<BanResult> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    const { room, membership } = await this.#requireModerator(userId, roomId);
    const user = await this.#requireTarget(whom);
    const targetId = user.id;
    if (targetId === userId || targetId === room.createdBy) throw new ChatError('CANNOT_MODERATE_MEMBER');
    const target = await context.store.getMembership(roomId, targetId);
    if (target) {
      await this.#remove(userId, room, membership, target, true, origin);
      return { user, removed: true };
    }
    if (!(await context.store.isBannedFromRoom(roomId, targetId))) {
      await context.store.banFromRoom(roomId, targetId, context.clock.now());
      await context.recordModeration(userId, roomId, 'userBanned', user, null);
    }
    // Joined while being banned: the join looked for a ban before this one was written
    // (each writes, then checks the other; rooms.ts `join` undoes it if it sees the ban).
    const joined = await context.store.getMembership(roomId, targetId);
    if (!joined) return { user, removed: false };
    try {
      await this.#remove(userId, room, membership, joined, true, origin);
    } catch (error) {
      // The join saw the ban and undid itself first.
      if (error instanceof ChatError && error.code === 'MEMBER_NOT_FOUND') return { user, removed: false };
      throw error;
    }
    return { user, removed: true };
  }

  /**
   * Lets a banned user back: they may join, redeem an invite link or be added
   * again (they are not added). Errors: RATE_LIMITED (shared with joins and leaves),
   * ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_MODERATOR, USER_NOT_FOUND.
   */
  async unban(userId: UserId, roomId: RoomId, targetId: UserId): Promise<UnbanResult> {
    const context = this.#context;
    await context.limits.take('membership', userId);
    await this.#requireModerator(userId, roomId);
    const user = await this.#requireTarget({ userId: targetId });
    const lifted = await context.store.liftRoomBan(roomId, targetId);
    if (lifted) await context.recordModeration(userId, roomId, 'banLifted', user, null);
    return { user, lifted };
  }

  /**
   * The room's bans, a page at a time, for its owner and admins. Errors: RATE_LIMITED (reads),
   * ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_MODERATOR, BAD_REQUEST (a cursor not from `bans`).
   */
  async bans(userId: UserId, roomId: RoomId, cursor?: string): Promise<BansPage> {
    const context = this.#context;
    await context.limits.take('read', userId);
    await this.#requireModerator(userId, roomId);
    const after = cursor === undefined ? undefined : decodeCursor(cursor, 'bans').after;
    const records = await context.store.listRoomBans(roomId, {
      limit: ChatLimits.bansPageSize + 1,
      ...(after !== undefined && { after }),
    });
    const bans = records
      .slice(0, ChatLimits.bansPageSize)
      .map(({ user, bannedAt }) => ({ user: userSummary(user), bannedAt }));
    if (records.length <= ChatLimits.bansPageSize) return { bans };
    return { bans, nextCursor: encodeCursor({ list: 'bans', after: bans.at(-1)!.user.id }) };
  }

  /** The room and the caller's membership, when the caller may moderate it. */
  async #requireModerator(userId: UserId, roomId: RoomId): Promise<{ room: Room; membership: Membership }> {
    const { room, membership } = await this.#context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    if (!mayModerate(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    return { room, membership };
  }

  /** The user a moderator names; USER_NOT_FOUND when there is none. */
  async #requireTarget(whom: UserTarget): Promise<UserSummary> {
    const user = await this.#context.findUser(whom);
    if (!user) throw new ChatError('USER_NOT_FOUND');
    return userSummary(user);
  }

  /** Removes `target` (a member) for the moderator `userId`, banning them too with `ban`. */
  async #remove(
    userId: UserId,
    room: Room,
    membership: Membership,
    target: Membership,
    ban: boolean,
    origin: ConnectionId | undefined,
  ): Promise<RoomEvent> {
    const context = this.#context;
    const { id: roomId } = room;
    const targetId = target.userId;
    if (!outranks(roomRole(room, membership), roomRole(room, target))) throw new ChatError('CANNOT_MODERATE_MEMBER');
    const now = context.clock.now();
    if (ban) await context.store.banFromRoom(roomId, targetId, now);
    const { event } = await context.store.removeMember(roomId, targetId, now);
    // Removed concurrently (left, or another moderator): the room already says so.
    if (!event) throw new ChatError('MEMBER_NOT_FOUND');
    await context.unsubscribeUser(targetId, roomId);
    if (event.type === 'memberLeft') {
      await context.recordModeration(userId, roomId, 'memberRemoved', event.user, ban ? 'banned' : null);
    }
    await context.publish(roomId, event, origin);
    const by = userSummary(await context.requireUser(userId));
    await context.sendToUser(targetId, { type: 'removedFromRoom', roomId, by, ...(ban && { banned: true }) });
    return event;
  }

  /**
   * Makes the room read-only (only the owner and admins may post) or open to every member again.
   * Errors: RATE_LIMITED (shared with edits), ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_MODERATOR.
   */
  async setReadOnly(
    userId: UserId,
    roomId: RoomId,
    readOnly: boolean,
    origin?: ConnectionId,
  ): Promise<ModerationResult> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION', 'Direct conversations cannot be read-only.');
    if (!mayModerate(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    const event = await context.store.setRoomReadOnly(roomId, readOnly, userId, context.clock.now());
    if (event) {
      await context.recordModeration(userId, roomId, 'readOnlyChanged', null, readOnly ? 'on' : 'off');
      await context.publish(roomId, event, origin);
    }
    return { event };
  }
}
