/**
 * The base of the SQL stores (SQLite, PostgreSQL): it owns every read of the
 * `ChatStore` port, which both answer with the same statement and mapping.
 *
 * Contract for a subclass (template method):
 * - `query` runs one statement on its own (outside the writes' transactions)
 *   and resolves to its rows, rejecting with the port's `ChatError`s
 *   (`STORE_UNAVAILABLE` for driver failures). The base only reads with it.
 * - `writeOne` runs one statement as a write of its own (durable when it
 *   resolves) and resolves to its rows: the base makes the writes that are a
 *   single statement with it (invite links).
 * - It implements the other writes itself: their transactions differ (better-sqlite3
 *   is synchronous and takes the database's one write lock, `pg` is
 *   asynchronous and locks rows), and so does how each keeps sequence numbers
 *   consecutive. `this.sql` holds the statements they share.
 */

import type { NotificationSettings } from '../../domain/notification-settings.ts';
import type {
  AuditEntry,
  Connection,
  ConnectionId,
  Membership,
  Message,
  MessageId,
  Room,
  RoomEvent,
  RoomHead,
  RoomId,
  SessionRecord,
  ThreadRead,
  User,
  UserId,
  UserRoom,
} from '../../domain/types.ts';
import type {
  AuditKey,
  CounterState,
  MemberContext,
  MemberRecord,
  MessagePage,
  Page,
  PublicRoom,
  RoomBanRecord,
  RoomSize,
  StoredInvite,
  ThreadRoot,
  UserKey,
} from '../../ports/chat-store.ts';
import { type InviteRow, inviteStatements, inviteValues, toInvite } from './invite-statements.ts';
import {
  type AuditRow,
  type BanRow,
  type ConnectionRow,
  type CounterRow,
  type EventRow,
  type MemberContextRow,
  type MemberRow,
  type MembershipRow,
  type MessageRow,
  type NotificationSettingsRow,
  type PublicRoomRow,
  type RoomRow,
  type SessionRow,
  type ThreadReadRow,
  toAuditEntry,
  toConnection,
  toCounter,
  toEvent,
  toMember,
  toMemberContext,
  toMembership,
  toMessage,
  toNotificationSettings,
  toPublicRoom,
  toRoom,
  toRoomBan,
  toSession,
  toThreadRead,
  toUser,
  toUserRoom,
  type UserRoomRow,
  type UserRow,
} from './rows.ts';
import { type SqlDialect, type SqlStatements, sqlStatements } from './statements.ts';

export abstract class SqlChatStore {
  /** The statements both stores run, in the subclass's dialect. */
  protected readonly sql: SqlStatements;
  readonly #invites: ReturnType<typeof inviteStatements>;

  protected constructor(dialect: SqlDialect) {
    this.sql = sqlStatements(dialect);
    this.#invites = inviteStatements(dialect);
  }

  /** Runs one statement with `values` bound to its parameters (in order), and resolves to its rows. */
  protected abstract query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;

  /** Runs one statement as a write of its own, durable once it resolves, and resolves to its rows (`RETURNING`). */
  protected abstract writeOne<R>(text: string, values: readonly unknown[]): Promise<R[]>;

  // Invite links

  async createInvite(invite: StoredInvite): Promise<void> {
    await this.writeOne(this.#invites.insert, inviteValues(invite));
  }

  async getInvite(id: string): Promise<StoredInvite | undefined> {
    const [row] = await this.query<InviteRow>(this.#invites.byId, [id]);
    return row && toInvite(row);
  }

  async consumeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    const [row] = await this.writeOne<InviteRow>(this.#invites.consume, [id, at]);
    return row && toInvite(row);
  }

  async revokeInvite(id: string, at: number): Promise<StoredInvite | undefined> {
    const [row] = await this.writeOne<InviteRow>(this.#invites.revoke, [at, id]);
    return row && toInvite(row);
  }

  async listRoomInvites(roomId: RoomId, limit: number): Promise<StoredInvite[]> {
    return (await this.query<InviteRow>(this.#invites.byRoom, [roomId, limit])).map(toInvite);
  }

  // Users and credentials

  async getUser(id: UserId): Promise<User | undefined> {
    const [row] = await this.query<UserRow>(this.sql.userById, [id]);
    return row && toUser(row);
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    const [row] = await this.query<UserRow>(this.sql.userByName, [username]);
    return row && toUser(row);
  }

  async findUsers(prefix: string, page: Page<string>): Promise<User[]> {
    // Usernames are ASCII: every one that starts with the prefix sorts below it followed by U+FFFF.
    const rows = await this.query<UserRow>(this.sql.usersByPrefix, [
      prefix,
      page.after ?? '',
      `${prefix}\uffff`,
      page.limit,
    ]);
    return rows.map(toUser);
  }

  async listIdleGuests(idleBefore: number, limit: number): Promise<User[]> {
    return (await this.query<UserRow>(this.sql.idleGuests, [idleBefore, limit])).map(toUser);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const [row] = await this.query<SessionRow>(this.sql.sessionById, [id]);
    return row && toSession(row);
  }

  async isBannedFromRoom(roomId: RoomId, userId: UserId): Promise<boolean> {
    return (await this.query(this.sql.roomBan, [roomId, userId])).length > 0;
  }

  async listRoomBans(roomId: RoomId, page: Page<UserId>): Promise<RoomBanRecord[]> {
    return (await this.query<BanRow>(this.sql.roomBans, [roomId, page.after ?? '', page.limit])).map(toRoomBan);
  }

  async getDeactivation(userId: UserId): Promise<number | undefined> {
    const [row] = await this.query<{ at: number }>(this.sql.deactivation, [userId]);
    return row?.at;
  }

  async getPasswordHash(userId: UserId): Promise<string | undefined> {
    const [row] = await this.query<{ password_hash: string }>(this.sql.passwordHash, [userId]);
    return row?.password_hash;
  }

  // Counters

  async peekCounter(key: string, now: number): Promise<CounterState> {
    const [row] = await this.query<CounterRow>(this.sql.liveCounter, [key, now]);
    return row ? toCounter(row) : { count: 0, resetAt: now };
  }

  // Rooms and memberships

  async getRoom(id: RoomId): Promise<Room | undefined> {
    const [row] = await this.query<RoomRow>(this.sql.roomById, [id]);
    return row && toRoom(row);
  }

  async getRoomByName(name: string): Promise<Room | undefined> {
    const [row] = await this.query<RoomRow>(this.sql.roomByName, [name]);
    return row && toRoom(row);
  }

  async listPublicRooms(userId: UserId, page: Page<string>): Promise<PublicRoom[]> {
    return (await this.query<PublicRoomRow>(this.sql.publicRooms, [userId, page.after ?? '', page.limit])).map(
      toPublicRoom,
    );
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    const [row] = await this.query<MembershipRow>(this.sql.membership, [roomId, userId]);
    return row && toMembership(row);
  }

  async getMemberContext(roomId: RoomId, userId: UserId): Promise<MemberContext> {
    const [row] = await this.query<MemberContextRow>(this.sql.memberContext, [roomId, roomId, userId, userId]);
    return toMemberContext(row!, roomId, userId);
  }

  async listAuditEntries(roomId: RoomId | null, page: Page<AuditKey>): Promise<AuditEntry[]> {
    // The first page starts before any entry: every `at` is below the largest safe integer.
    const { at, id } = page.after ?? { at: Number.MAX_SAFE_INTEGER, id: '' };
    const rows =
      roomId === null
        ? await this.query<AuditRow>(this.sql.allAudit, [at, id, page.limit])
        : await this.query<AuditRow>(this.sql.roomAudit, [roomId, at, id, page.limit]);
    return rows.map(toAuditEntry);
  }

  async listMembers(roomId: RoomId, page: Page<UserKey>): Promise<MemberRecord[]> {
    const { username = '', id = '' } = page.after ?? {};
    return (await this.query<MemberRow>(this.sql.members, [roomId, username, id, page.limit])).map(toMember);
  }

  async listUserRooms(userId: UserId, page: Page<RoomId>): Promise<UserRoom[]> {
    return (await this.query<UserRoomRow>(this.sql.userRooms, [userId, page.after ?? '', page.limit])).map(toUserRoom);
  }

  async listRoomHeads(userId: UserId, changedAfter: number, page: Page<RoomId>): Promise<RoomHead[]> {
    const rows = await this.query<{ id: RoomId; last_seq: number }>(this.sql.roomHeads, [
      userId,
      changedAfter,
      page.after ?? '',
      page.limit,
    ]);
    return rows.map((row) => ({ roomId: row.id, seq: row.last_seq }));
  }

  async listUserRoomSizes(userId: UserId, countUpTo: number): Promise<RoomSize[]> {
    // PostgreSQL's count is a bigint, which the store's pool reads as a number (postgres-database.ts).
    const rows = await this.query<{ room_id: RoomId; members: number }>(this.sql.userRoomSizes, [countUpTo, userId]);
    return rows.map((row) => ({ roomId: row.room_id, members: row.members }));
  }

  async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    const [row] = await this.query<UserRoomRow>(this.sql.userRoom, [userId, roomId]);
    return row && toUserRoom(row);
  }

  // Messages and events

  async getMessage(id: MessageId): Promise<Message | undefined> {
    const [row] = await this.query<MessageRow>(this.sql.messageById, [id]);
    return row && toMessage(row);
  }

  async getMessageByClientId(roomId: RoomId, authorId: UserId, clientMessageId: string): Promise<Message | undefined> {
    const [row] = await this.query<MessageRow>(this.sql.messageByClientId, [roomId, authorId, clientMessageId]);
    return row && toMessage(row);
  }

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const rows = await this.query<MessageRow>(this.sql.messagesBefore, [
      roomId,
      options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      options.limit + 1,
    ]);
    const hasMore = rows.length > options.limit;
    return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore };
  }

  async listPinnedMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const rows = await this.query<MessageRow>(this.sql.pinnedBefore, [
      roomId,
      options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      options.limit + 1,
    ]);
    return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore: rows.length > options.limit };
  }

  // Threads

  async listReplies(root: ThreadRoot, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const rows = await this.query<MessageRow>(this.sql.repliesBefore, [
      root.id,
      options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      options.limit + 1,
    ]);
    return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore: rows.length > options.limit };
  }

  async getThreadRead(userId: UserId, root: ThreadRoot): Promise<number | undefined> {
    const [row] = await this.query<{ last_read_seq: number }>(this.sql.threadRead, [userId, root.id]);
    return row?.last_read_seq;
  }

  async listThreadReads(
    userId: UserId,
    roomId: RoomId,
    options: { beforeSeq?: number; limit: number },
  ): Promise<ThreadRead[]> {
    const rows = await this.query<ThreadReadRow>(this.sql.threadReads, [
      userId,
      roomId,
      options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      options.limit,
    ]);
    return rows.map(toThreadRead);
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return (await this.query<EventRow>(this.sql.eventsAfter, [roomId, afterSeq, limit])).map(toEvent);
  }

  // Mentions and notification settings

  async countMentions(userId: UserId, rooms: ReadonlyArray<{ roomId: RoomId; afterSeq: number }>): Promise<number[]> {
    return Promise.all(
      rooms.map(async ({ roomId, afterSeq }) => {
        const [row] = await this.query<{ n: number }>(this.sql.countMentions, [roomId, userId, afterSeq, userId]);
        return row?.n ?? 0;
      }),
    );
  }

  async getNotificationSettings(
    userId: UserId,
    roomIds: readonly RoomId[],
  ): Promise<Map<RoomId, NotificationSettings>> {
    if (roomIds.length === 0) return new Map();
    const rows = await this.query<NotificationSettingsRow>(this.sql.notificationSettings(roomIds.length), [
      userId,
      ...roomIds,
    ]);
    return new Map(rows.map((row) => [row.room_id, toNotificationSettings(row)]));
  }

  // Connections

  async getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    const [row] = await this.query<ConnectionRow>(this.sql.connectionById, [connectionId]);
    return row && toConnection(row);
  }

  async listUserConnections(userId: UserId): Promise<Connection[]> {
    return (await this.query<ConnectionRow>(this.sql.userConnections, [userId])).map(toConnection);
  }

  async listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    return (await this.query<ConnectionRow>(this.sql.roomConnections, [roomId])).map(toConnection);
  }

  async listOnlineUsers(page: Page<UserKey>): Promise<User[]> {
    const { username = '', id = '' } = page.after ?? {};
    return (await this.query<UserRow>(this.sql.onlineUsers, [username, id, page.limit])).map(toUser);
  }
}
