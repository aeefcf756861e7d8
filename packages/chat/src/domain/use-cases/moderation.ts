/**
 * Room moderation: the owner names admins (and takes it back); the owner and
 * admins remove members (and may ban them: they stay out until let back in) and
 * make a room read-only. Deleting someone else's
 * message as a moderator is `MessageService.deleteMessage`, and the topic is
 * `TopicService`; who may do what is domain/room-permissions.ts.
 *
 * Every change is written to the audit log (use-cases/audit-log.ts) and is a
 * room event (`memberRoleChanged`, `memberLeft`, `readOnlyChanged`), so members
 * who were away learn it from catch-up; a removed member's connections leave
 * the room's stream and are told with `removedFromRoom`.
 */

import { ChatError } from '../errors.ts';
import { mayManageRoom, mayModerate, outranks, roomRole } from '../room-permissions.ts';
import type { ConnectionId, RoomEvent, RoomId, StoredRole, UserId } from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';

export interface ModerationResult {
  /** The event written; `null` when the room already was so (nothing was written). */
  event: RoomEvent | null;
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
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    if (!mayModerate(room, membership)) throw new ChatError('NOT_ROOM_MODERATOR');
    const target = await context.store.getMembership(roomId, targetId);
    if (!target) throw new ChatError('MEMBER_NOT_FOUND');
    if (!outranks(roomRole(room, membership), roomRole(room, target))) throw new ChatError('CANNOT_MODERATE_MEMBER');
    const now = context.clock.now();
    if (options.ban) await context.store.banFromRoom(roomId, targetId, now);
    const { event } = await context.store.removeMember(roomId, targetId, now);
    // Removed concurrently (left, or another moderator): the room already says so.
    if (!event) throw new ChatError('MEMBER_NOT_FOUND');
    await context.unsubscribeUser(targetId, roomId);
    if (event.type === 'memberLeft') {
      await context.recordModeration(userId, roomId, 'memberRemoved', event.user, options.ban ? 'banned' : null);
    }
    await context.publish(roomId, event, origin);
    const by = userSummary(await context.requireUser(userId));
    await context.sendToUser(targetId, { type: 'removedFromRoom', roomId, by, ...(options.ban && { banned: true }) });
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
