/**
 * What every use case shares: the ports (store, broadcaster, clock), the rate
 * limiter, where failures it does not throw are reported, and the checks and deliveries that
 * several use cases make (the caller must exist, must be a member, owns the
 * message; publish to a room, send to a user's connections).
 *
 * Ordering rule for writes: persist first (the store resolves once durable),
 * then broadcast; broadcast failures are logged, never turned into a failed write.
 */
import type { ServerMessage } from '../../api/protocol.ts';
import type { Broadcaster } from '../../ports/broadcaster.ts';
import type { ChatStore } from '../../ports/chat-store.ts';
import type { Clock } from '../../ports/clock.ts';
import { ChatError } from '../errors.ts';
import { ChatLimits } from '../limits.ts';
import { defaultNotificationSettings } from '../notification-settings.ts';
import type { RateLimiter } from '../rate-limits.ts';
import { hiddenFromOutsiders } from '../room-access.ts';
import { mayModerate } from '../room-permissions.ts';
import { timeOrderedId } from '../time-ordered-id.ts';
import type {
  AuditAction,
  ConnectionId,
  Membership,
  Message,
  Room,
  RoomId,
  RoomSummary,
  User,
  UserId,
  UserRef,
  UserRoom,
  UserTarget,
} from '../types.ts';
import { roomSummary, userSummary } from '../views.ts';
import { DeferredWork } from './deferred-work.ts';

/** Where the service reports failures it deliberately does not throw (broadcasts). pino's logger fits. */
export interface ChatLogger {
  warn(details: object, message: string): void;
}

/** Rooms remembered at most for their `resync` (past this, members learn of a missed broadcast at their heartbeat). */
const MISSED_BROADCAST_ROOMS_MAX = 10_000;

export class ServiceContext {
  readonly store: ChatStore;
  readonly broadcaster: Broadcaster;
  readonly clock: Clock;
  readonly logger: ChatLogger;
  readonly limits: RateLimiter;
  /** Usernames (lower case) of the server's admins, who read every room's audit log. */
  readonly serverAdmins: ReadonlySet<string>;
  /**
   * Rooms whose broadcast failed on this node (its Redis away while the store took the
   * change). Their members on other nodes heard nothing, and nothing else tells them:
   * their own nodes' links never dropped, so those send no `resync`. Once publishing
   * works again each such room gets one `resync`, and its members catch up at once
   * instead of at their next heartbeat.
   */
  readonly missedBroadcasts: DeferredWork<RoomId>;

  constructor(ports: {
    store: ChatStore;
    broadcaster: Broadcaster;
    clock: Clock;
    logger: ChatLogger;
    limits: RateLimiter;
    serverAdmins?: readonly string[];
  }) {
    this.store = ports.store;
    this.broadcaster = ports.broadcaster;
    this.clock = ports.clock;
    this.logger = ports.logger;
    this.limits = ports.limits;
    this.serverAdmins = new Set((ports.serverAdmins ?? []).map((name) => name.trim().toLowerCase()));
    this.missedBroadcasts = new DeferredWork({
      maxItems: MISSED_BROADCAST_ROOMS_MAX,
      run: (roomId) => ports.broadcaster.publishToRoom(roomId, { type: 'resync' }),
    });
  }

  /** Whether the user is one of the server's admins (by username, as configured). */
  async isServerAdmin(userId: UserId): Promise<boolean> {
    if (this.serverAdmins.size === 0) return false;
    const user = await this.store.getUser(userId);
    return user !== undefined && !user.guest && this.serverAdmins.has(user.username);
  }

  /**
   * Writes a moderation action to the audit log (domain/use-cases/audit-log.ts), after
   * the action itself was stored: a failure here is the caller's failure, so it is retried.
   */
  async recordModeration(
    actorId: UserId,
    roomId: RoomId | null,
    action: AuditAction,
    target: UserRef | null,
    detail: string | null,
  ): Promise<void> {
    const actor = await this.requireUser(actorId);
    const at = this.clock.now();
    await this.store.appendAuditEntry({
      id: timeOrderedId(at),
      at,
      roomId,
      action,
      actor: { id: actor.id, username: actor.username },
      target: target && { id: target.id, username: target.username },
      detail,
    });
  }

  /** The session behind a token must still exist (not signed out, not replaced) and not have expired. */
  async requireSession(sessionId: string, userId: UserId): Promise<void> {
    const session = await this.store.getSession(sessionId);
    if (!session || session.userId !== userId || session.expiresAt <= this.clock.now()) {
      throw new ChatError('UNAUTHENTICATED', 'The session has ended. Sign in again.');
    }
  }

  /** The user a request names by id or by username (any case, a leading `@` ignored), if there is one. */
  findUser(target: UserTarget): Promise<User | undefined> {
    return 'userId' in target
      ? this.store.getUser(target.userId)
      : this.store.getUserByUsername(target.username.trim().replace(/^@/, '').toLowerCase());
  }

  async requireUser(userId: UserId): Promise<User> {
    return existingUser(await this.store.getUser(userId));
  }

  /**
   * Refuses to start or open a conversation with a deactivated account: nobody
   * would read it, and the account cannot sign in to answer.
   */
  async requireActive(users: readonly User[]): Promise<void> {
    const deactivations = await Promise.all(users.map((user) => this.store.getDeactivation(user.id)));
    const index = deactivations.findIndex((at) => at !== undefined);
    if (index >= 0) {
      throw new ChatError('ACCOUNT_DEACTIVATED', `${users[index]?.username}'s account has been deactivated.`);
    }
  }

  /** The room and the caller's membership; a direct conversation or private room of others is reported as not found. */
  async requireMember(userId: UserId, roomId: RoomId): Promise<{ room: Room; membership: Membership }> {
    const [room, membership] = await Promise.all([
      this.store.getRoom(roomId),
      this.store.getMembership(roomId, userId),
    ]);
    return memberOf(room, membership);
  }

  /**
   * `requireMember` and then `requireUser`, read together (`getMemberContext`):
   * one store read instead of three, for what every send and typing frame checks.
   */
  async requireMemberAndUser(
    userId: UserId,
    roomId: RoomId,
  ): Promise<{ room: Room; membership: Membership; user: User }> {
    const { room, membership, user } = await this.store.getMemberContext(roomId, userId);
    return { ...memberOf(room, membership), user: existingUser(user) };
  }

  /** A live message in a room the caller is a member of. */
  async requireReadableMessage(userId: UserId, messageId: string): Promise<Message> {
    const message = await this.#findReadable(userId, messageId);
    if (message.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    return message;
  }

  async requireOwnMessage(userId: UserId, messageId: string): Promise<Message> {
    const message = await this.#findReadable(userId, messageId);
    if (message.authorId !== userId) throw new ChatError('NOT_YOUR_MESSAGE');
    if (message.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    return message;
  }

  /** A live message the caller wrote, or one in a room the caller moderates (domain/room-permissions.ts). */
  async requireModeratableMessage(userId: UserId, messageId: string): Promise<Message> {
    const message = await this.#findReadable(userId, messageId);
    if (message.authorId !== userId) {
      const [room, membership] = await Promise.all([
        this.store.getRoom(message.roomId),
        this.store.getMembership(message.roomId, userId),
      ]);
      if (!room || !membership || !mayModerate(room, membership)) throw new ChatError('NOT_YOUR_MESSAGE');
    }
    if (message.deletedAt !== null) throw new ChatError('MESSAGE_DELETED');
    return message;
  }

  async #findReadable(userId: UserId, messageId: string): Promise<Message> {
    const message = await this.store.getMessage(messageId);
    // A message in a room the caller cannot read does not exist for them.
    if (!message || !(await this.store.getMembership(message.roomId, userId))) {
      throw new ChatError('MESSAGE_NOT_FOUND');
    }
    return message;
  }

  /** The room as the member sees it (name, peer or group members, unread count). */
  async summary(userId: UserId, roomId: RoomId): Promise<RoomSummary> {
    const view = await this.store.getUserRoom(userId, roomId);
    if (!view) throw new ChatError('NOT_A_MEMBER');
    const [summary] = await this.summaries(userId, [view]);
    return summary as RoomSummary;
  }

  /**
   * Rooms as their member sees them, with the unread mentions (counted only
   * where something is unread) and the notification settings. At most a page
   * of rooms (`ChatLimits.roomsPageSize + 1`). A group conversation is named by
   * its other members, read with it (one page of at most `groupMaxMembers`): its
   * membership never changes, so no other write has to keep a copy.
   */
  async summaries(userId: UserId, views: readonly UserRoom[]): Promise<RoomSummary[]> {
    if (views.length === 0) return [];
    const unread = views.filter((view) => view.unread > 0);
    const [counts, settings] = await Promise.all([
      unread.length === 0
        ? []
        : this.store.countMentions(
            userId,
            unread.map((view) => ({ roomId: view.room.id, afterSeq: view.membership.lastReadSeq })),
          ),
      this.store.getNotificationSettings(
        userId,
        views.map((view) => view.room.id),
      ),
    ]);
    const mentions = new Map(unread.map((view, index) => [view.room.id, counts[index] ?? 0]));
    return Promise.all(
      views.map(async (view) => {
        const summary = roomSummary(view, {
          mentions: mentions.get(view.room.id) ?? 0,
          notifications: settings.get(view.room.id) ?? defaultNotificationSettings(view.room.kind),
        });
        if (view.room.kind !== 'direct' || view.peer !== null) return summary;
        const members = await this.store.listMembers(view.room.id, { limit: ChatLimits.groupMaxMembers });
        summary.members = members
          .filter(({ user }) => user.id !== view.membership.userId)
          .map(({ user }) => userSummary(user));
        return summary;
      }),
    );
  }

  /** Takes every connection of the user out of the room's stream (they left or were removed). */
  async unsubscribeUser(userId: UserId, roomId: RoomId): Promise<void> {
    const connections = await this.store.listUserConnections(userId);
    await Promise.all(
      connections.map(({ connectionId }) =>
        this.guard('unsubscribe', () => this.broadcaster.unsubscribe(connectionId, [roomId])),
      ),
    );
  }

  /** Broadcasts a room event; a failure is logged and the room remembered for its `resync` (`missedBroadcasts`), never thrown. */
  async publish(roomId: RoomId, message: ServerMessage, except?: ConnectionId): Promise<void> {
    const published = await this.guard('publishToRoom', () =>
      this.broadcaster.publishToRoom(roomId, message, except ? { exceptConnectionId: except } : undefined),
    );
    if (!published) this.missedBroadcasts.add(roomId);
  }

  async sendToUser(userId: UserId, message: ServerMessage, except?: ConnectionId): Promise<void> {
    const connections = await this.store.listUserConnections(userId);
    await Promise.all(
      connections
        .filter(({ connectionId }) => connectionId !== except)
        .map(({ connectionId }) =>
          this.guard('sendToConnection', () => this.broadcaster.sendToConnection(connectionId, message)),
        ),
    );
  }

  /**
   * Ends every session of the user (their tokens stop working for new connections and
   * requests: `$connect` and refresh check the session) and closes their open connections.
   */
  async endSessions(userId: UserId): Promise<void> {
    await this.store.deleteUserSessions(userId);
    for (const { connectionId } of await this.store.listUserConnections(userId)) {
      await this.guard('disconnect', () => this.broadcaster.disconnect(connectionId));
    }
  }

  /** Runs a broadcaster call; a failure is logged, never thrown (clients recover by catch-up). Resolves whether it succeeded. */
  async guard(operation: string, call: () => Promise<void>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      this.logger.warn({ err: error, operation }, 'chat: broadcast failed');
      return false;
    }
  }
}

/** The caller's room and membership, or why not; a direct conversation or private room of others is not found. */
function memberOf(room: Room | undefined, membership: Membership | undefined): { room: Room; membership: Membership } {
  if (!room || (hiddenFromOutsiders(room) && !membership)) throw new ChatError('ROOM_NOT_FOUND');
  if (!membership) throw new ChatError('NOT_A_MEMBER');
  return { room, membership };
}

function existingUser(user: User | undefined): User {
  if (!user) throw new ChatError('UNAUTHENTICATED', 'The account no longer exists.');
  return user;
}
