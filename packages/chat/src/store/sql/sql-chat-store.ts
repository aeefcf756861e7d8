/**
 * The base of the SQL stores (SQLite, PostgreSQL): it owns every read of the
 * `ChatStore` port, which both answer with the same statement and mapping.
 *
 * Contract for a subclass (template method):
 * - `query` runs one statement on its own (outside the writes' transactions)
 *   and resolves to its rows, rejecting with the port's `ChatError`s
 *   (`STORE_UNAVAILABLE` for driver failures). The base only reads with it.
 * - It implements the writes itself: their transactions differ (better-sqlite3
 *   is synchronous and takes the database's one write lock, `pg` is
 *   asynchronous and locks rows), and so does how each keeps sequence numbers
 *   consecutive. `this.sql` holds the statements they share.
 */
import type {
  Connection,
  ConnectionId,
  Membership,
  Message,
  MessageId,
  Room,
  RoomEvent,
  RoomId,
  User,
  UserId,
  UserRoom,
} from '../../domain/types.ts';
import type { CounterState, MemberRecord, MessagePage, PublicRoom } from '../../ports/chat-store.ts';
import {
  type ConnectionRow,
  type CounterRow,
  type EventRow,
  type MemberRow,
  type MembershipRow,
  type MessageRow,
  type PublicRoomRow,
  type RoomRow,
  toConnection,
  toCounter,
  toEvent,
  toMember,
  toMembership,
  toMessage,
  toPublicRoom,
  toRoom,
  toUser,
  toUserRoom,
  type UserRoomRow,
  type UserRow,
} from './rows.ts';
import { type SqlDialect, type SqlStatements, sqlStatements } from './statements.ts';

export abstract class SqlChatStore {
  /** The statements both stores run, in the subclass's dialect. */
  protected readonly sql: SqlStatements;

  protected constructor(dialect: SqlDialect) {
    this.sql = sqlStatements(dialect);
  }

  /** Runs one statement with `values` bound to its parameters (in order), and resolves to its rows. */
  protected abstract query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;

  // Users and credentials

  async getUser(id: UserId): Promise<User | undefined> {
    const [row] = await this.query<UserRow>(this.sql.userById, [id]);
    return row && toUser(row);
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    const [row] = await this.query<UserRow>(this.sql.userByName, [username]);
    return row && toUser(row);
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

  async listPublicRooms(userId: UserId): Promise<PublicRoom[]> {
    return (await this.query<PublicRoomRow>(this.sql.publicRooms, [userId])).map(toPublicRoom);
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    const [row] = await this.query<MembershipRow>(this.sql.membership, [roomId, userId]);
    return row && toMembership(row);
  }

  async listMembers(roomId: RoomId): Promise<MemberRecord[]> {
    return (await this.query<MemberRow>(this.sql.members, [roomId])).map(toMember);
  }

  async listUserRooms(userId: UserId): Promise<UserRoom[]> {
    return (await this.query<UserRoomRow>(this.sql.userRooms, [userId])).map(toUserRoom);
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

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    const rows = await this.query<MessageRow>(this.sql.messagesBefore, [
      roomId,
      options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      options.limit + 1,
    ]);
    const hasMore = rows.length > options.limit;
    return { messages: rows.slice(0, options.limit).reverse().map(toMessage), hasMore };
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return (await this.query<EventRow>(this.sql.eventsAfter, [roomId, afterSeq, limit])).map(toEvent);
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

  async listOnlineUsers(): Promise<User[]> {
    return (await this.query<UserRow>(this.sql.onlineUsers)).map(toUser);
  }
}
