/**
 * Private rooms and invites. A room's manager (`mayManageRoom`: today its
 * owner) makes it public or private, and creates, lists and revokes its invite
 * links; any member invites another user by username, which adds them at once.
 * Redeeming a link joins its room. A user banned from the room
 * (use-cases/moderation.ts) is refused both, unless the owner or an admin adds
 * them, which lifts the ban. Every membership change and every change of
 * visibility is a room event, so catch-up restores them.
 *
 * A redemption counts a use before it adds the member (two writes): should the
 * second fail, the use stays counted and a retry of the same link, by a user
 * who is not yet a member, counts another. A user who already is a member
 * counts none.
 */
import type { StoredInvite } from '../../ports/chat-store.ts';
import { ChatError, type ChatErrorCode } from '../errors.ts';
import { InviteLimits } from '../invite-limits.ts';
import { hashInviteSecret, inviteSecretMatches, newInviteToken, parseInviteToken } from '../invite-token.ts';
import { mayManageRoom, mayModerate } from '../room-permissions.ts';
import type {
  ConnectionId,
  Room,
  RoomEvent,
  RoomId,
  RoomInvite,
  RoomSummary,
  RoomVisibility,
  UserId,
  UserSummary,
} from '../types.ts';
import { userSummary } from '../views.ts';
import type { ServiceContext } from './context.ts';
import type { RoomService } from './rooms.ts';

export interface VisibilityResult {
  visibility: RoomVisibility;
  /** The `visibilityChanged` event; `null` when the room already was so (nothing was written). */
  event: RoomEvent | null;
}

export interface CreatedInvite {
  invite: RoomInvite;
  /** The link's token: shown this once, never stored. */
  token: string;
}

export interface InviteOptions {
  /** How long the link works. 1 minute to 30 days. @default 7 days */
  expiresInMs?: number;
  /** How many people may join with it. 1 to 1000. @default 25 */
  maxUses?: number;
}

export class InviteService {
  readonly #context: ServiceContext;
  readonly #rooms: RoomService;

  constructor(context: ServiceContext, rooms: RoomService) {
    this.#context = context;
    this.#rooms = rooms;
  }

  /**
   * Makes the room public or private. Errors: RATE_LIMITED (shared with edits),
   * ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_OWNER.
   */
  async setVisibility(
    userId: UserId,
    roomId: RoomId,
    visibility: RoomVisibility,
    origin?: ConnectionId,
  ): Promise<VisibilityResult> {
    const context = this.#context;
    await context.limits.take('edit', userId);
    await this.#requireManager(userId, roomId);
    const event = await context.store.setRoomVisibility(roomId, visibility, userId, context.clock.now());
    if (event) await context.publish(roomId, event, origin);
    return { visibility, event };
  }

  /**
   * Adds another user to a room the caller is a member of (public or private);
   * they are told with a `roomJoined` naming the caller. Errors: RATE_LIMITED,
   * ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, USER_NOT_FOUND, ALREADY_A_MEMBER,
   * BANNED_FROM_ROOM (the user was banned, and the caller is neither the owner nor an admin).
   */
  async inviteMember(userId: UserId, roomId: RoomId, username: string): Promise<UserSummary> {
    const context = this.#context;
    await context.limits.take('invite', userId);
    const { room, membership } = await context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    const invitee = await context.findUser({ username });
    if (!invitee) throw new ChatError('USER_NOT_FOUND');
    if (await context.store.getMembership(roomId, invitee.id)) throw new ChatError('ALREADY_A_MEMBER');
    if (await context.store.isBannedFromRoom(roomId, invitee.id)) {
      // A moderator adding a banned user back is the decision to lift the ban; a member's is not.
      if (!mayModerate(room, membership)) {
        throw new ChatError(
          'BANNED_FROM_ROOM',
          `${invitee.username} was banned: only the room’s owner and admins can add them back.`,
        );
      }
      if (await context.store.liftRoomBan(roomId, invitee.id)) {
        await context.recordModeration(userId, roomId, 'banLifted', invitee, null);
      }
    }
    const inviter = await context.requireUser(userId);
    // No origin: the inviter's connections see the `memberJoined` like everyone else.
    await this.#rooms.join(room, invitee.id, undefined, userSummary(inviter));
    return userSummary(invitee);
  }

  /**
   * A new invite link to the room. Errors: BAD_REQUEST (expiry or uses out of
   * range), RATE_LIMITED, ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_OWNER.
   */
  async createInvite(userId: UserId, roomId: RoomId, options: InviteOptions = {}): Promise<CreatedInvite> {
    const context = this.#context;
    const expiresInMs = options.expiresInMs ?? InviteLimits.defaultLifetimeMs;
    const maxUses = options.maxUses ?? InviteLimits.defaultMaxUses;
    if (
      !Number.isInteger(expiresInMs) ||
      expiresInMs < InviteLimits.minLifetimeMs ||
      expiresInMs > InviteLimits.maxLifetimeMs
    ) {
      throw new ChatError('BAD_REQUEST', 'An invite link lasts from one minute to 30 days.');
    }
    if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > InviteLimits.maxUses) {
      throw new ChatError('BAD_REQUEST', `An invite link lets in 1 to ${InviteLimits.maxUses} people.`);
    }
    await context.limits.take('invite', userId);
    await this.#requireManager(userId, roomId);
    const now = context.clock.now();
    const { id, secret, token } = newInviteToken(now);
    const stored: StoredInvite = {
      id,
      roomId,
      secretHash: hashInviteSecret(secret),
      createdBy: userId,
      createdAt: now,
      expiresAt: now + expiresInMs,
      maxUses,
      uses: 0,
      revokedAt: null,
    };
    await context.store.createInvite(stored);
    return { invite: publicInvite(stored), token };
  }

  /**
   * The room's newest invite links (`InviteLimits.listSize`), revoked and expired ones included.
   * Errors: RATE_LIMITED (reads), ROOM_NOT_FOUND, NOT_A_MEMBER, DIRECT_CONVERSATION, NOT_ROOM_OWNER.
   */
  async listInvites(userId: UserId, roomId: RoomId): Promise<RoomInvite[]> {
    await this.#context.limits.take('read', userId);
    await this.#requireManager(userId, roomId);
    return (await this.#context.store.listRoomInvites(roomId, InviteLimits.listSize)).map(publicInvite);
  }

  /**
   * Revokes an invite link (a repeat keeps the first revocation). Errors:
   * RATE_LIMITED, INVITE_NOT_FOUND (also for a room the caller is not a member of), NOT_ROOM_OWNER.
   */
  async revokeInvite(userId: UserId, inviteId: string): Promise<RoomInvite> {
    const context = this.#context;
    await context.limits.take('invite', userId);
    const invite = await context.store.getInvite(inviteId);
    const [room, membership] = invite
      ? await Promise.all([context.store.getRoom(invite.roomId), context.store.getMembership(invite.roomId, userId)])
      : [];
    if (!invite || !room || !membership) throw new ChatError('INVITE_NOT_FOUND');
    if (!mayManageRoom(room, membership)) throw new ChatError('NOT_ROOM_OWNER');
    const revoked = await context.store.revokeInvite(inviteId, context.clock.now());
    if (!revoked) throw new ChatError('INVITE_NOT_FOUND');
    return publicInvite(revoked);
  }

  /**
   * Joins the room of an invite link; for a member already there it changes
   * nothing and counts no use. Errors: RATE_LIMITED, INVITE_NOT_FOUND,
   * INVITE_REVOKED, INVITE_EXPIRED, INVITE_USED_UP, BANNED_FROM_ROOM (counting no use).
   */
  async redeemInvite(userId: UserId, token: string, origin?: ConnectionId): Promise<RoomSummary> {
    const context = this.#context;
    await context.limits.take('redeemInvite', userId);
    const parsed = parseInviteToken(token);
    const invite = parsed && (await context.store.getInvite(parsed.id));
    if (!parsed || !invite || !inviteSecretMatches(parsed.secret, invite.secretHash)) {
      throw new ChatError('INVITE_NOT_FOUND');
    }
    const room = await context.store.getRoom(invite.roomId);
    if (!room) throw new ChatError('INVITE_NOT_FOUND');
    if (await context.store.getMembership(room.id, userId)) return context.summary(userId, room.id);
    // Before the use is counted: a banned user's try costs the link nothing.
    if (await context.store.isBannedFromRoom(room.id, userId)) throw new ChatError('BANNED_FROM_ROOM');
    await context.requireUser(userId);
    const now = context.clock.now();
    const early = refusal(invite, now);
    if (early) throw new ChatError(early);
    if (!(await context.store.consumeInvite(invite.id, now))) {
      // Another redemption (or a revocation) came first: say what stands now.
      const current = await context.store.getInvite(invite.id);
      throw new ChatError((current && refusal(current, now)) ?? 'INVITE_NOT_FOUND');
    }
    return this.#rooms.join(room, userId, origin);
  }

  /** The room, when the caller may manage it. */
  async #requireManager(userId: UserId, roomId: RoomId): Promise<Room> {
    const { room, membership } = await this.#context.requireMember(userId, roomId);
    if (room.kind === 'direct') throw new ChatError('DIRECT_CONVERSATION');
    if (!mayManageRoom(room, membership)) throw new ChatError('NOT_ROOM_OWNER');
    return room;
  }
}

/** Why the invite cannot be used at `now`, if it cannot. */
function refusal(invite: StoredInvite, now: number): ChatErrorCode | undefined {
  if (invite.revokedAt !== null) return 'INVITE_REVOKED';
  if (invite.expiresAt <= now) return 'INVITE_EXPIRED';
  if (invite.uses >= invite.maxUses) return 'INVITE_USED_UP';
  return undefined;
}

/** The invite as its room's managers see it: without the secret's hash. */
function publicInvite({ secretHash: _, ...invite }: StoredInvite): RoomInvite {
  return invite;
}
