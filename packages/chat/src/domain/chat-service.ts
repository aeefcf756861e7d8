/**
 * The chat's use cases. Everything the handlers (WebSocket routes and HTTP
 * endpoints) do goes through here; the service reaches the world only through
 * its ports (store, broadcaster, clock) and the token service, so the same code
 * runs in one process on SQLite, on a cluster, and on AWS Lambda.
 *
 * The use cases are grouped by concept (use-cases/): accounts, presence, rooms,
 * topics, moderation, messages, threads, reactions, pins, read state, notifications, search. They share one `ServiceContext` (the ports and
 * the checks and deliveries several of them make).
 *
 * Calls take the acting user's id (from the authorizer context) and, for calls
 * made over a WebSocket, the calling connection's id (`origin`): the caller gets
 * its answer as the route response, so broadcasts skip that connection.
 *
 * @example
 * const chat = new ChatService({ store, broadcaster, tokens });
 * const session = await chat.accounts.register('ada', 'correct horse battery');
 * await chat.messages.sendMessage(session.user.id, { roomId, text: 'hi', clientMessageId: 'c1' });
 */
import { PasswordHasher } from '../accounts/password.ts';
import type { TokenService } from '../accounts/tokens.ts';
import type { Broadcaster } from '../ports/broadcaster.ts';
import type { ChatStore } from '../ports/chat-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { RateLimitStore } from '../ports/rate-limit-store.ts';
import { RateLimiter, type RateLimitOverrides, resolveRateLimits } from './rate-limits.ts';
import { AccountService } from './use-cases/accounts.ts';
import { AuditLogService } from './use-cases/audit-log.ts';
import { type ChatLogger, ServiceContext } from './use-cases/context.ts';
import { DeactivationService } from './use-cases/deactivation.ts';
import { FileService, type FileServiceOptions } from './use-cases/files.ts';
import { GroupService } from './use-cases/group-conversations.ts';
import { defaultGuestIdleMs, GuestExpiry } from './use-cases/guest-expiry.ts';
import { defaultHeartbeatIntervalMs, HeartbeatService } from './use-cases/heartbeat.ts';
import { InviteService } from './use-cases/invites.ts';
import { MessageService } from './use-cases/messages.ts';
import { ModerationService } from './use-cases/moderation.ts';
import { NotificationService } from './use-cases/notifications.ts';
import { PinService } from './use-cases/pins.ts';
import { defaultPresenceMaxRoomMembers, PresenceService } from './use-cases/presence.ts';
import { ReactionService } from './use-cases/reactions.ts';
import { ReadStateService } from './use-cases/read-state.ts';
import { RoomRenameService } from './use-cases/room-renames.ts';
import { RoomService } from './use-cases/rooms.ts';
import { SearchService } from './use-cases/search.ts';
import { ThreadService } from './use-cases/threads.ts';
import { TopicService } from './use-cases/topics.ts';
import { UserLookupService } from './use-cases/user-lookup.ts';

export type { AccountService, ClientInfo } from './use-cases/accounts.ts';
export type { AuditLogService, AuditPage } from './use-cases/audit-log.ts';
export type { ChatLogger } from './use-cases/context.ts';
export type { DeactivationService } from './use-cases/deactivation.ts';
export type { FileLink, FileService, FileServiceOptions, NewUpload } from './use-cases/files.ts';
export type { GroupService } from './use-cases/group-conversations.ts';
export type { GuestExpiry } from './use-cases/guest-expiry.ts';
export type { Heartbeat, HeartbeatService } from './use-cases/heartbeat.ts';
export type { CreatedInvite, InviteOptions, InviteService, VisibilityResult } from './use-cases/invites.ts';
export type { MessageService, SendMessageInput, SendMessageResult } from './use-cases/messages.ts';
export type { ModerationResult, ModerationService } from './use-cases/moderation.ts';
export type { NotificationService, RoomNotifications } from './use-cases/notifications.ts';
export type { PinService } from './use-cases/pins.ts';
export type { Identity, PresenceService, Welcome } from './use-cases/presence.ts';
export type { ReactionService, ReactResult } from './use-cases/reactions.ts';
export type { ReadState, ReadStateService } from './use-cases/read-state.ts';
export type { RenameResult, RoomRenameService } from './use-cases/room-renames.ts';
export type { RoomService } from './use-cases/rooms.ts';
export type { SearchService } from './use-cases/search.ts';
export type { ReplyInput, ReplyOutcome, ThreadList, ThreadReadState, ThreadService } from './use-cases/threads.ts';
export type { TopicResult, TopicService } from './use-cases/topics.ts';
export type { UserLookupService, UsersPage } from './use-cases/user-lookup.ts';

export interface ChatServiceDependencies {
  store: ChatStore;
  broadcaster: Broadcaster;
  tokens: TokenService;
  /** @default systemClock */
  clock?: Clock;
  /** @default a logger that writes to `console.warn` */
  logger?: ChatLogger;
  /**
   * Where rate-limit state lives, shared by every process that serves the same
   * users: `MemoryRateLimitStore` for one process, the PostgreSQL or DynamoDB
   * store's `rateLimits` for several.
   */
  rateLimitStore: RateLimitStore;
  /** Limits that differ from `defaultRateLimits` (domain/rate-limits.ts). @default {} */
  rateLimits?: RateLimitOverrides;
  /** Password hashing. @default scrypt at OWASP's parameters (`OWASP_SCRYPT_COST`) */
  passwords?: PasswordHasher;
  /** How long a guest may be idle before it is retired (use-cases/guest-expiry.ts). @default 86400000 (24 hours) */
  guestIdleMs?: number;
  /** How often clients ping for the heads of their rooms (use-cases/heartbeat.ts). @default 25000 */
  heartbeatIntervalMs?: number;
  /**
   * Rooms with more members than this send no `presence` frames; their members
   * read `online` (use-cases/presence.ts). @default 250
   */
  presenceMaxRoomMembers?: number;
  /** Usernames of the server's admins, who read every room's audit log (use-cases/audit-log.ts). @default [] */
  serverAdmins?: readonly string[];
  /** Where attached files live and their limits (use-cases/files.ts). @default none: attachments are refused */
  files?: FileServiceOptions;
}

const consoleLogger: ChatLogger = { warn: (details, message) => console.warn(message, details) };

export class ChatService {
  /** Register, log in, guests, token checks. */
  readonly accounts: AccountService;
  /** Connections, online users, typing. */
  readonly presence: PresenceService;
  /** Pings: the heads of the user's rooms that moved, so a missed event is caught up. */
  readonly heartbeat: HeartbeatService;
  /** Rooms, membership, direct conversations. */
  readonly rooms: RoomService;
  /** Group direct conversations (3 to 8 people). */
  readonly groups: GroupService;
  /** Finding people by name. */
  readonly users: UserLookupService;
  /** Send, edit, delete, history, catch-up. */
  readonly messages: MessageService;
  /** Thread replies, thread pages and per-thread read positions. */
  readonly threads: ThreadService;
  /** Uploads and links of attached files; `undefined` when no file store is configured. */
  readonly files: FileService | undefined;
  /** Pinned messages. */
  readonly pins: PinService;
  /** Room topics. */
  readonly topics: TopicService;
  /** Renaming rooms. */
  readonly roomRenames: RoomRenameService;
  /** Private rooms and invites. */
  readonly invites: InviteService;
  /** Roles, removing members, read-only rooms. */
  readonly moderation: ModerationService;
  /** The audit log of moderation. */
  readonly auditLog: AuditLogService;
  /** Deactivating accounts (server admins). */
  readonly deactivation: DeactivationService;
  /** Emoji reactions on messages. */
  readonly reactions: ReactionService;
  /** Read markers and unread counts. */
  readonly readState: ReadStateService;
  /** Per-room notification settings (mentions are resolved by `messages`). */
  readonly notifications: NotificationService;
  readonly search: SearchService;
  /** Retiring idle guests (a server sweeps now and then; every guest sign-in sweeps a little). */
  readonly guests: GuestExpiry;
  readonly #context: ServiceContext;

  constructor({
    store,
    broadcaster,
    tokens,
    clock = systemClock,
    logger = consoleLogger,
    rateLimitStore,
    rateLimits,
    passwords = new PasswordHasher(),
    guestIdleMs = defaultGuestIdleMs,
    heartbeatIntervalMs = defaultHeartbeatIntervalMs,
    presenceMaxRoomMembers = defaultPresenceMaxRoomMembers,
    serverAdmins = [],
    files,
  }: ChatServiceDependencies) {
    const limits = new RateLimiter(rateLimitStore, resolveRateLimits(rateLimits), clock);
    const context = new ServiceContext({ store, broadcaster, clock, logger, limits, serverAdmins });
    this.#context = context;
    this.guests = new GuestExpiry(context, { idleMs: guestIdleMs });
    this.rooms = new RoomService(context);
    this.groups = new GroupService(context);
    this.users = new UserLookupService(context);
    this.accounts = new AccountService(context, tokens, this.rooms, passwords, this.guests);
    this.heartbeat = new HeartbeatService(context, { intervalMs: heartbeatIntervalMs });
    this.files = files && new FileService(context, files);
    this.presence = new PresenceService(context, this.guests, this.heartbeat, {
      maxRoomMembers: presenceMaxRoomMembers,
      fileLimits: this.files?.limits ?? null,
    });
    this.messages = new MessageService(context, this.files);
    this.reactions = new ReactionService(context);
    this.topics = new TopicService(context);
    this.roomRenames = new RoomRenameService(context);
    this.invites = new InviteService(context, this.rooms);
    this.moderation = new ModerationService(context);
    this.auditLog = new AuditLogService(context);
    this.deactivation = new DeactivationService(context);
    this.pins = new PinService(context);
    this.threads = new ThreadService(context);
    this.readState = new ReadStateService(context);
    this.notifications = new NotificationService(context);
    this.search = new SearchService(context);
  }

  /**
   * Does again what failed because Redis or the store was away: the `resync` of rooms
   * whose broadcast failed, the disconnects the store could not record. A server calls
   * it every second; each part stops at once while what it needs is still away.
   */
  async retryDeferred(): Promise<void> {
    await Promise.all([this.#context.missedBroadcasts.retry(), this.presence.retryFailedDisconnects()]);
  }
}
