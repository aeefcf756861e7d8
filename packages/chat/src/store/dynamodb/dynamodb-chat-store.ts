/**
 * The serverless store: one DynamoDB table (store/dynamodb/table-design.ts has
 * the design and its table of access patterns). Nothing scans.
 *
 * - Sequence numbers: every event-producing write is one `TransactWriteItems`
 *   that moves the room item's `lastSeq` from the value just read (strongly
 *   consistent) to the next one, under the condition `lastSeq = :read`, and
 *   writes the event and the row change with it. A writer that lost the race
 *   (ConditionalCheckFailed or TransactionConflict) reads again and retries
 *   with jittered backoff. The cheaper alternative, `UpdateItem ADD lastSeq :1`
 *   with `ReturnValues: UPDATED_NEW` followed by a conditional put, reserves a
 *   number in one write and fills it in another: a Lambda that times out or is
 *   throttled between the two burns the number for good, and catch-up promises
 *   consecutive numbers (a client that sees `lastSeq` 8 waits for event 8). The
 *   transaction never leaves a gap or a duplicate; the price is that one room
 *   takes about one event per transaction round trip under contention, ample for
 *   a chat room.
 * - Idempotent sends: a guard item per (room, author, client message id), put
 *   in the same transaction with `attribute_not_exists(pk)`; a repeat finds the
 *   guard and returns the first message without writing.
 * - Unique usernames and room names: guard items written with the record in one
 *   transaction, conditioned on `attribute_not_exists(pk)`.
 * - Connections carry a TTL (`expiresAt`), so those whose `$disconnect` never
 *   ran (a crashed node) disappear by themselves.
 * - Search: DynamoDB has no full-text search; `searchMessages` rejects. A
 *   deployment that wants search indexes the table's stream elsewhere.
 * - Errors: conditional failures become the port's codes; every other SDK or
 *   network failure becomes `STORE_UNAVAILABLE` (the SDK's error as `cause`).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ChatError } from '../../domain/errors.ts';
import type {
  Connection,
  ConnectionId,
  Membership,
  Message,
  MessageEvent,
  MessageId,
  Room,
  RoomEvent,
  RoomId,
  SearchHit,
  User,
  UserId,
  UserRoom,
} from '../../domain/types.ts';
import { userSummary } from '../../domain/views.ts';
import type {
  AppendResult,
  ChatStore,
  ConnectionRemoval,
  CounterState,
  MemberRecord,
  MembershipResult,
  MessagePage,
  NewDirect,
  NewMessage,
  NewRoom,
  NewUser,
  PublicRoom,
  SearchQuery,
} from '../../ports/chat-store.ts';
import { GSI1, GSI1_ONLINE, GSI1_ROOMS, keys } from './table-design.ts';

export interface DynamoDbChatStoreOptions {
  /**
   * Lifetime of a connection item before TTL may delete it. API Gateway closes
   * every connection after 2 hours (apigw-websocket-spec.md section 4), so a
   * connection item older than that belongs to a lost `$disconnect`; the extra
   * hour covers clock skew. DynamoDB deletes expired items late (typically
   * within days), so this is a safety net, not presence.
   * @default 10800
   */
  connectionTtlSeconds?: number;
  /** Attempts of a contended sequence write before it fails with STORE_UNAVAILABLE. @default 64 */
  maxWriteAttempts?: number;
  /** Parallel queries when a listing needs one query per room or member. @default 16 */
  queryConcurrency?: number;
}

const defaults = {
  connectionTtlSeconds: 3 * 60 * 60,
  maxWriteAttempts: 64,
  queryConcurrency: 16,
} satisfies Required<DynamoDbChatStoreOptions>;

/** Largest sequence number a key can hold. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class DynamoDbChatStore implements ChatStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #settings: Required<DynamoDbChatStoreOptions>;

  /**
   * The caller owns the client (and destroys it); the table must have the
   * design of `chatTable` (see `createTable`).
   * @example
   * const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
   * const store = new DynamoDbChatStore(doc, process.env.CHAT_TABLE!);
   */
  constructor(client: DynamoDBDocumentClient, tableName: string, options: DynamoDbChatStoreOptions = {}) {
    this.#doc = client;
    this.#table = tableName;
    this.#settings = { ...defaults, ...options };
  }

  // Users and credentials

  async createUser(user: NewUser): Promise<User> {
    return this.#run(async () => {
      const record: User = { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt };
      const items: Transaction = [
        this.#put({ ...keys.username(user.username), ...record }, 'attribute_not_exists(pk)'),
        this.#put({ ...keys.user(user.id), ...record }, 'attribute_not_exists(pk)'),
      ];
      if (user.passwordHash !== undefined) {
        items.push(this.#put({ ...keys.credential(user.id), passwordHash: user.passwordHash }));
      }
      const reasons = await this.#transact(items);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ChatError('USERNAME_TAKEN');
      if (reasons) throw cancelled(reasons);
      return record;
    });
  }

  async getUser(id: UserId): Promise<User | undefined> {
    return this.#run(async () => toUser(await this.#get<UserItem>(keys.user(id))));
  }

  async getUserByUsername(username: string): Promise<User | undefined> {
    return this.#run(async () => toUser(await this.#get<UserItem>(keys.username(username))));
  }

  async getPasswordHash(userId: UserId): Promise<string | undefined> {
    return this.#run(async () => (await this.#get<{ passwordHash: string }>(keys.credential(userId)))?.passwordHash);
  }

  // Counters

  async hitCounter(key: string, windowMs: number, now: number): Promise<CounterState> {
    return this.#run(async () => {
      // Either count in the open window, or open a new one; a concurrent opener makes us count in its window.
      for (let attempt = 1; ; attempt++) {
        try {
          const { Attributes } = await this.#doc.send(
            new UpdateCommand({
              TableName: this.#table,
              Key: keys.counter(key),
              UpdateExpression: 'SET #hits = #hits + :one',
              ConditionExpression: '#resetAt > :now',
              ExpressionAttributeNames: { '#hits': 'hits', '#resetAt': 'resetAt' },
              ExpressionAttributeValues: { ':one': 1, ':now': now },
              ReturnValues: 'ALL_NEW',
            }),
          );
          const item = Attributes as CounterItem;
          return { count: item.hits, resetAt: item.resetAt };
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
        const resetAt = now + windowMs;
        try {
          await this.#doc.send(
            new PutCommand({
              TableName: this.#table,
              Item: { ...keys.counter(key), hits: 1, resetAt, expiresAt: epochSeconds(resetAt) },
              ConditionExpression: 'attribute_not_exists(pk) OR #resetAt <= :now',
              ExpressionAttributeNames: { '#resetAt': 'resetAt' },
              ExpressionAttributeValues: { ':now': now },
            }),
          );
          return { count: 1, resetAt };
        } catch (error) {
          if (!isConditionalFailure(error)) throw error;
        }
        if (attempt >= this.#settings.maxWriteAttempts) throw contended();
      }
    });
  }

  async peekCounter(key: string, now: number): Promise<CounterState> {
    return this.#run(async () => {
      const item = await this.#get<CounterItem>(keys.counter(key));
      return item && item.resetAt > now ? { count: item.hits, resetAt: item.resetAt } : { count: 0, resetAt: now };
    });
  }

  async resetCounter(key: string): Promise<void> {
    await this.#run(() => this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: keys.counter(key) })));
  }

  // Rooms and memberships

  async createRoom(room: NewRoom): Promise<Room> {
    return this.#run(async () => {
      const record: Room = {
        id: room.id,
        kind: 'room',
        name: room.name,
        createdBy: room.createdBy,
        createdAt: room.createdAt,
        lastSeq: 0,
      };
      const reasons = await this.#transact([
        this.#put({ ...keys.roomName(room.name), roomId: room.id }, 'attribute_not_exists(pk)'),
        this.#put(
          { ...keys.room(room.id), ...roomItem(record), memberCount: 0, gsi1pk: GSI1_ROOMS, gsi1sk: room.name },
          'attribute_not_exists(pk)',
        ),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') throw new ChatError('ROOM_NAME_TAKEN');
      if (reasons) throw cancelled(reasons);
      return record;
    });
  }

  async getRoom(id: RoomId): Promise<Room | undefined> {
    return this.#run(async () => toRoom(await this.#get<RoomItem>(keys.room(id))));
  }

  async getRoomByName(name: string): Promise<Room | undefined> {
    return this.#run(async () => {
      const guard = await this.#get<{ roomId: RoomId }>(keys.roomName(name));
      return guard && toRoom(await this.#get<RoomItem>(keys.room(guard.roomId)));
    });
  }

  async listPublicRooms(userId: UserId): Promise<PublicRoom[]> {
    return this.#run(async () => {
      const [listed, joined] = await Promise.all([
        this.#query<{ id: RoomId }>({
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :rooms',
          ExpressionAttributeValues: { ':rooms': GSI1_ROOMS },
        }),
        this.#userRoomIds(userId),
      ]);
      // The index holds only immutable attributes; counts and sequences come from the items themselves.
      const rooms = byKey(await this.#batchGet<RoomItem>(listed.map(({ id }) => keys.room(id))));
      return listed.flatMap(({ id }) => {
        const item = rooms.get(keyOf(keys.room(id)));
        return item ? [{ room: toRoom(item)!, memberCount: item.memberCount, joined: joined.has(id) }] : [];
      });
    });
  }

  async openDirect(direct: NewDirect): Promise<{ room: Room; created: boolean }> {
    return this.#run(async () => {
      const existing = toRoom(await this.#get<RoomItem>(keys.room(direct.id)));
      if (existing) return { room: existing, created: false };
      const users = await Promise.all(direct.userIds.map((id) => this.#get<UserItem>(keys.user(id))));
      if (users.some((user) => user === undefined)) throw new ChatError('USER_NOT_FOUND');
      const [first, second] = users.map((user) => toUser(user)!) as [User, User];
      const record: Room = {
        id: direct.id,
        kind: 'direct',
        name: null,
        createdBy: first.id,
        createdAt: direct.createdAt,
        lastSeq: 0,
      };
      const member = (user: User, peer: User): Transaction => [
        this.#put({
          ...keys.member(direct.id, user.id),
          ...memberItem({ roomId: direct.id, userId: user.id, joinedAt: direct.createdAt, lastReadSeq: 0 }, user),
          peer,
        }),
        this.#put({ ...keys.userRoom(user.id, direct.id), roomId: direct.id }),
      ];
      const reasons = await this.#transact([
        this.#put({ ...keys.room(direct.id), ...roomItem(record), memberCount: 2 }, 'attribute_not_exists(pk)'),
        ...member(first, second),
        ...member(second, first),
      ]);
      if (reasons?.[0] === 'ConditionalCheckFailed') {
        // Opened concurrently by the other member (or another node): theirs stands.
        return { room: toRoom(await this.#get<RoomItem>(keys.room(direct.id)))!, created: false };
      }
      if (reasons) throw cancelled(reasons);
      return { room: record, created: true };
    });
  }

  async addMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    return this.#run(() =>
      this.#sequenced<MembershipResult>(roomId, async (seq) => {
        const existing = await this.#get<MemberItem>(keys.member(roomId, userId));
        if (existing) return { result: { membership: toMembership(existing), event: null } };
        const user = toUser(await this.#get<UserItem>(keys.user(userId)));
        if (!user) throw new ChatError('USER_NOT_FOUND');
        // A new member has read everything up to their own arrival.
        const membership: Membership = { roomId, userId, joinedAt: at, lastReadSeq: seq };
        return {
          memberDelta: 1,
          items: [
            this.#put({ ...keys.member(roomId, userId), ...memberItem(membership, user) }, 'attribute_not_exists(pk)'),
            this.#put({ ...keys.userRoom(userId, roomId), roomId }),
            this.#put({ ...keys.event(roomId, seq), type: 'memberJoined', at, user }),
          ],
          result: { membership, event: { type: 'memberJoined', roomId, seq, at, user: userSummary(user) } },
        };
      }),
    );
  }

  async removeMember(roomId: RoomId, userId: UserId, at: number): Promise<MembershipResult> {
    return this.#run(async () => {
      const none: MembershipResult = { membership: null, event: null };
      // Checked before the room is read: leaving an unknown room is a no-op too.
      if (!(await this.#get<MemberItem>(keys.member(roomId, userId)))) return none;
      return this.#sequenced<MembershipResult>(roomId, async (seq) => {
        const member = await this.#get<MemberItem>(keys.member(roomId, userId));
        if (!member) return { result: none };
        return {
          memberDelta: -1,
          items: [
            this.#delete(keys.member(roomId, userId), 'attribute_exists(pk)'),
            this.#delete(keys.userRoom(userId, roomId)),
            this.#put({ ...keys.event(roomId, seq), type: 'memberLeft', at, user: member.user }),
          ],
          result: { membership: null, event: { type: 'memberLeft', roomId, seq, at, user: userSummary(member.user) } },
        };
      });
    });
  }

  async getMembership(roomId: RoomId, userId: UserId): Promise<Membership | undefined> {
    return this.#run(async () => {
      const item = await this.#get<MemberItem>(keys.member(roomId, userId));
      return item && toMembership(item);
    });
  }

  async listMembers(roomId: RoomId): Promise<MemberRecord[]> {
    return this.#run(async () =>
      (await this.#members(roomId))
        .map((item) => ({ user: toUser(item.user)!, joinedAt: item.joinedAt }))
        .sort((a, b) => compare(a.user.username, b.user.username)),
    );
  }

  async listUserRooms(userId: UserId): Promise<UserRoom[]> {
    return this.#run(async () => {
      const roomIds = [...(await this.#userRoomIds(userId))];
      const items = byKey(
        await this.#batchGet<RoomItem | MemberItem>(
          roomIds.flatMap((roomId) => [keys.room(roomId), keys.member(roomId, userId)]),
        ),
      );
      const pairs = roomIds.flatMap((roomId) => {
        const room = items.get(keyOf(keys.room(roomId))) as RoomItem | undefined;
        const member = items.get(keyOf(keys.member(roomId, userId))) as MemberItem | undefined;
        return room && member ? [[room, member] as const] : [];
      });
      const views = await mapLimit(pairs, this.#settings.queryConcurrency, ([room, member]) =>
        this.#userRoom(room, member),
      );
      // Rooms by name, then direct conversations by peer (as the SQL adapters order them).
      return views.sort(
        (a, b) =>
          compare(b.room.kind, a.room.kind) ||
          compare(a.room.name ?? '', b.room.name ?? '') ||
          compare(a.peer?.username ?? '', b.peer?.username ?? ''),
      );
    });
  }

  async getUserRoom(userId: UserId, roomId: RoomId): Promise<UserRoom | undefined> {
    return this.#run(async () => {
      const [member, room] = await Promise.all([
        this.#get<MemberItem>(keys.member(roomId, userId)),
        this.#get<RoomItem>(keys.room(roomId)),
      ]);
      return member && room ? this.#userRoom(room, member) : undefined;
    });
  }

  async markRead(roomId: RoomId, userId: UserId, seq: number): Promise<UserRoom | undefined> {
    return this.#run(async () => {
      const room = await this.#get<RoomItem>(keys.room(roomId));
      if (!room) return undefined;
      const capped = Math.min(seq, room.lastSeq);
      try {
        await this.#doc.send(
          new UpdateCommand({
            TableName: this.#table,
            Key: keys.member(roomId, userId),
            UpdateExpression: 'SET #lastReadSeq = :seq',
            // Never backwards, and never creates a membership.
            ConditionExpression: 'attribute_exists(pk) AND #lastReadSeq < :seq',
            ExpressionAttributeNames: { '#lastReadSeq': 'lastReadSeq' },
            ExpressionAttributeValues: { ':seq': capped },
          }),
        );
      } catch (error) {
        if (!isConditionalFailure(error)) throw error;
      }
      const member = await this.#get<MemberItem>(keys.member(roomId, userId));
      return member && this.#userRoom(room, member);
    });
  }

  // Messages and events

  async appendMessage(message: NewMessage): Promise<AppendResult> {
    const { roomId, authorId, clientMessageId } = message;
    return this.#run(() =>
      this.#sequenced<AppendResult>(roomId, async (seq) => {
        const guardKey = clientMessageId === null ? null : keys.clientMessage(roomId, authorId, clientMessageId);
        if (guardKey) {
          const guard = await this.#get<{ seq: number }>(guardKey);
          if (guard) {
            const stored = toMessage(await this.#get<MessageItem>(keys.message(roomId, guard.seq)));
            // The guard and the message commit together; until both are visible, read again.
            if (!stored) return 'retry';
            const event: MessageEvent = {
              type: 'message',
              roomId,
              seq: stored.seq,
              at: stored.createdAt,
              message: stored,
            };
            return { result: { message: stored, event, created: false } };
          }
        }
        const stored: Message = {
          id: message.id,
          roomId,
          seq,
          authorId,
          authorName: message.authorName,
          text: message.text,
          clientMessageId,
          createdAt: message.at,
          editedAt: null,
          deletedAt: null,
        };
        const items: Transaction = [
          this.#put({ ...keys.message(roomId, seq), ...messageItem(stored) }, 'attribute_not_exists(pk)'),
          this.#put({ ...keys.event(roomId, seq), type: 'message', at: message.at, messageSeq: seq }),
          this.#put({ ...keys.messageId(message.id), roomId, seq }, 'attribute_not_exists(pk)'),
        ];
        if (guardKey) items.push(this.#put({ ...guardKey, seq, messageId: message.id }, 'attribute_not_exists(pk)'));
        return {
          items,
          result: {
            message: stored,
            event: { type: 'message', roomId, seq, at: message.at, message: stored },
            created: true,
          },
        };
      }),
    );
  }

  async editMessage(messageId: MessageId, text: string, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageEdited', text, 'editedAt');
  }

  async deleteMessage(messageId: MessageId, at: number): Promise<MessageEvent | undefined> {
    return this.#changeMessage(messageId, at, 'messageDeleted', '', 'deletedAt');
  }

  async getMessage(id: MessageId): Promise<Message | undefined> {
    return this.#run(async () => {
      const pointer = await this.#get<{ roomId: RoomId; seq: number }>(keys.messageId(id));
      return pointer && toMessage(await this.#get<MessageItem>(keys.message(pointer.roomId, pointer.seq)));
    });
  }

  async listMessages(roomId: RoomId, options: { beforeSeq?: number; limit: number }): Promise<MessagePage> {
    return this.#run(async () => {
      const highest = Math.min((options.beforeSeq ?? MAX_SEQ + 1) - 1, MAX_SEQ);
      const limit = Math.max(0, Math.floor(options.limit));
      if (highest < 1) return { messages: [], hasMore: false };
      const items = await this.#query<MessageItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.room(roomId).pk,
            ':low': keys.message(roomId, 1).sk,
            ':high': keys.message(roomId, highest).sk,
          },
          ScanIndexForward: false,
        },
        limit + 1,
      );
      return {
        messages: items
          .slice(0, limit)
          .reverse()
          .map((item) => toMessage(item)!),
        hasMore: items.length > limit,
      };
    });
  }

  async listEvents(roomId: RoomId, afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return this.#run(async () => {
      const lowest = Math.max(0, Math.floor(afterSeq)) + 1;
      if (limit < 1 || lowest > MAX_SEQ) return [];
      const events = await this.#query<EventItem>(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: {
            ':pk': keys.room(roomId).pk,
            ':low': keys.event(roomId, lowest).sk,
            ':high': keys.event(roomId, MAX_SEQ).sk,
          },
        },
        Math.floor(limit),
      );
      // Message events carry the message's current state: read the messages they refer to.
      const seqs = new Set(events.flatMap((event) => (event.messageSeq === undefined ? [] : [event.messageSeq])));
      const messages = byKey(await this.#batchGet<MessageItem>([...seqs].map((seq) => keys.message(roomId, seq))));
      return events.map((event) => toEvent(roomId, event, messages));
    });
  }

  // Search

  /** Always rejects: DynamoDB has no full-text search (see the class comment). */
  async searchMessages(_query: SearchQuery): Promise<SearchHit[]> {
    // The error registry has no "feature not enabled" code; BAD_REQUEST tells clients not to retry.
    throw new ChatError('SEARCH_NOT_ENABLED');
  }

  // Connections

  async addConnection(connection: Connection): Promise<number> {
    return this.#run(async () => {
      const user = toUser(await this.#get<UserItem>(keys.user(connection.userId)));
      if (!user) throw new ChatError('USER_NOT_FOUND');
      const { connectionId, connectedAt } = connection;
      const expiresAt = epochSeconds(connectedAt) + this.#settings.connectionTtlSeconds;
      const reasons = await this.#transact([
        this.#put({ ...keys.connection(connectionId), connectionId, userId: user.id, connectedAt, expiresAt }),
        // The user -> connection item is also the (sparse) online index entry, which TTL removes with it.
        this.#put({
          ...keys.userConnection(user.id, connectionId),
          connectionId,
          userId: user.id,
          username: user.username,
          guest: user.guest,
          createdAt: user.createdAt,
          connectedAt,
          expiresAt,
          gsi1pk: GSI1_ONLINE,
          gsi1sk: `${user.username}#${user.id}#${connectionId}`,
        }),
      ]);
      if (reasons) throw cancelled(reasons);
      return this.#connectionCount(user.id);
    });
  }

  async removeConnection(connectionId: ConnectionId): Promise<ConnectionRemoval | undefined> {
    return this.#run(async () => {
      const item = await this.#get<ConnectionItem>(keys.connection(connectionId));
      if (!item) return undefined;
      const reasons = await this.#transact([
        this.#delete(keys.connection(connectionId), 'attribute_exists(pk)'),
        this.#delete(keys.userConnection(item.userId, connectionId)),
      ]);
      // Removed concurrently (a second $disconnect, or a 410 clean-up): the other caller reports it.
      if (reasons?.[0] === 'ConditionalCheckFailed') return undefined;
      if (reasons) throw cancelled(reasons);
      return { connection: toConnection(item), remaining: await this.#connectionCount(item.userId) };
    });
  }

  async getConnection(connectionId: ConnectionId): Promise<Connection | undefined> {
    return this.#run(async () => {
      const item = await this.#get<ConnectionItem>(keys.connection(connectionId));
      return item && toConnection(item);
    });
  }

  async listUserConnections(userId: UserId): Promise<Connection[]> {
    return this.#run(async () => (await this.#userConnections(userId)).map(toConnection).sort(byConnectedAt));
  }

  async listRoomConnections(roomId: RoomId): Promise<Connection[]> {
    return this.#run(async () => {
      const members = await this.#members(roomId);
      const perMember = await mapLimit(members, this.#settings.queryConcurrency, (member) =>
        this.#userConnections(member.userId),
      );
      return perMember.flat().map(toConnection).sort(byConnectedAt);
    });
  }

  async listOnlineUsers(): Promise<User[]> {
    return this.#run(async () => {
      const users = new Map<UserId, User>();
      // One entry per connection, ordered by username: keep each user once.
      for (const { userId, username, guest, createdAt } of await this.#onlineEntries()) {
        if (!users.has(userId)) users.set(userId, { id: userId, username, guest, createdAt });
      }
      return [...users.values()];
    });
  }

  /**
   * Forgets the connections the online index lists. The index is eventually
   * consistent, so a connection written a moment before may survive; a
   * single-node server calls this at start, before it accepts connections.
   */
  async clearConnections(): Promise<void> {
    await this.#run(async () => {
      const deletes = (await this.#onlineEntries()).flatMap((entry) => [
        keys.connection(entry.connectionId),
        keys.userConnection(entry.userId, entry.connectionId),
      ]);
      for (let start = 0; start < deletes.length; start += 25) {
        let requests = deletes.slice(start, start + 25).map((Key) => ({ DeleteRequest: { Key } }));
        for (let attempt = 1; requests.length > 0; attempt++) {
          if (attempt > this.#settings.maxWriteAttempts) throw contended();
          if (attempt > 1) await backoff(attempt);
          const { UnprocessedItems } = await this.#doc.send(
            new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }),
          );
          requests = (UnprocessedItems?.[this.#table] ?? []) as typeof requests;
        }
      }
    });
  }

  // Plumbing

  /** Runs a public method: ChatErrors pass through, every other failure becomes STORE_UNAVAILABLE. */
  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ChatError) throw error;
      throw new ChatError('STORE_UNAVAILABLE', undefined, { cause: error });
    }
  }

  /**
   * The optimistic sequence write (see the file comment). `plan` gets the
   * number the write would take and reads what it needs (strongly consistent);
   * it answers without writing (`result` only), asks to read again (`'retry'`),
   * or returns the items to commit with the room's `lastSeq` bump. Any lost
   * condition reruns `plan`, which then sees the winner's write.
   */
  async #sequenced<T>(roomId: RoomId, plan: (seq: number) => Promise<SequencedPlan<T>>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const room = await this.#get<RoomItem>(keys.room(roomId));
      if (!room) throw new ChatError('ROOM_NOT_FOUND');
      const step = await plan(room.lastSeq + 1);
      if (step !== 'retry') {
        if (!('items' in step)) return step.result;
        const reasons = await this.#transact([
          {
            Update: {
              TableName: this.#table,
              Key: keys.room(roomId),
              ...(step.memberDelta === undefined
                ? {
                    UpdateExpression: 'SET #lastSeq = :next',
                    ExpressionAttributeNames: { '#lastSeq': 'lastSeq' },
                    ExpressionAttributeValues: { ':next': room.lastSeq + 1, ':read': room.lastSeq },
                  }
                : {
                    UpdateExpression: 'SET #lastSeq = :next, #memberCount = #memberCount + :delta',
                    ExpressionAttributeNames: { '#lastSeq': 'lastSeq', '#memberCount': 'memberCount' },
                    ExpressionAttributeValues: {
                      ':next': room.lastSeq + 1,
                      ':read': room.lastSeq,
                      ':delta': step.memberDelta,
                    },
                  }),
              ConditionExpression: '#lastSeq = :read',
            },
          },
          ...step.items,
        ]);
        if (!reasons) return step.result;
        if (
          !reasons.every(
            (code) => code === 'None' || code === 'ConditionalCheckFailed' || code === 'TransactionConflict',
          )
        ) {
          throw cancelled(reasons);
        }
      }
      if (attempt >= this.#settings.maxWriteAttempts) throw contended();
      await backoff(attempt);
    }
  }

  async #changeMessage(
    messageId: MessageId,
    at: number,
    type: 'messageEdited' | 'messageDeleted',
    text: string,
    stamp: 'editedAt' | 'deletedAt',
  ): Promise<MessageEvent | undefined> {
    return this.#run(async () => {
      const pointer = await this.#get<{ roomId: RoomId; seq: number }>(keys.messageId(messageId));
      if (!pointer) return undefined;
      const { roomId } = pointer;
      return this.#sequenced<MessageEvent | undefined>(roomId, async (seq) => {
        const current = toMessage(await this.#get<MessageItem>(keys.message(roomId, pointer.seq)));
        if (!current || current.deletedAt !== null) return { result: undefined };
        return {
          items: [
            {
              Update: {
                TableName: this.#table,
                Key: keys.message(roomId, pointer.seq),
                UpdateExpression: 'SET #text = :text, #stamp = :at',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#deletedAt)',
                ExpressionAttributeNames: { '#text': 'text', '#stamp': stamp, '#deletedAt': 'deletedAt' },
                ExpressionAttributeValues: { ':text': text, ':at': at },
              },
            },
            this.#put({ ...keys.event(roomId, seq), type, at, messageSeq: pointer.seq }),
          ],
          result: { type, roomId, seq, at, message: { ...current, text, [stamp]: at } },
        };
      });
    });
  }

  /** A UserRoom from its room and membership items, counting unread messages. */
  async #userRoom(room: RoomItem, member: MemberItem): Promise<UserRoom> {
    // Others' live messages after the marker: a query over just the unread range.
    const unread = await this.#count({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      FilterExpression: '#authorId <> :me AND attribute_not_exists(#deletedAt)',
      ExpressionAttributeNames: { '#authorId': 'authorId', '#deletedAt': 'deletedAt' },
      ExpressionAttributeValues: {
        ':pk': keys.room(room.id).pk,
        ':low': keys.message(room.id, member.lastReadSeq + 1).sk,
        ':high': keys.message(room.id, MAX_SEQ).sk,
        ':me': member.userId,
      },
    });
    return { room: toRoom(room)!, membership: toMembership(member), unread, peer: toUser(member.peer) ?? null };
  }

  async #members(roomId: RoomId): Promise<MemberItem[]> {
    return this.#query<MemberItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
      ExpressionAttributeValues: { ':pk': keys.room(roomId).pk, ':member': 'MEMBER#' },
    });
  }

  async #userRoomIds(userId: UserId): Promise<Set<RoomId>> {
    const items = await this.#query<{ roomId: RoomId }>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :room)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':room': 'ROOM#' },
    });
    return new Set(items.map((item) => item.roomId));
  }

  async #userConnections(userId: UserId): Promise<ConnectionItem[]> {
    return this.#query<ConnectionItem>({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :conn)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':conn': 'CONN#' },
    });
  }

  async #connectionCount(userId: UserId): Promise<number> {
    return this.#count({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :conn)',
      ExpressionAttributeValues: { ':pk': keys.user(userId).pk, ':conn': 'CONN#' },
    });
  }

  async #onlineEntries(): Promise<OnlineEntry[]> {
    return this.#query<OnlineEntry>({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :online',
      ExpressionAttributeValues: { ':online': GSI1_ONLINE },
    });
  }

  async #get<T>(key: Key): Promise<(T & Key) | undefined> {
    const { Item } = await this.#doc.send(new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }));
    return Item as (T & Key) | undefined;
  }

  /** Reads items by key (100 per request, unprocessed keys retried), in no particular order. */
  async #batchGet<T>(wanted: Key[]): Promise<Array<T & Key>> {
    const found: Array<T & Key> = [];
    for (let start = 0; start < wanted.length; start += 100) {
      let Keys: Array<Record<string, unknown>> = wanted.slice(start, start + 100);
      for (let attempt = 1; Keys.length > 0; attempt++) {
        if (attempt > this.#settings.maxWriteAttempts) throw contended();
        if (attempt > 1) await backoff(attempt);
        const { Responses, UnprocessedKeys } = await this.#doc.send(
          new BatchGetCommand({ RequestItems: { [this.#table]: { Keys, ConsistentRead: true } } }),
        );
        found.push(...((Responses?.[this.#table] ?? []) as Array<T & Key>));
        Keys = UnprocessedKeys?.[this.#table]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Up to `max` items of a query (all by default), following pages. Table queries read strongly consistent. */
  async #query<T>(input: QueryInput, max = Number.POSITIVE_INFINITY): Promise<Array<T & Key>> {
    const items: Array<T & Key> = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const remaining = max - items.length;
      const page = await this.#doc.send(
        new QueryCommand({
          ...input,
          TableName: this.#table,
          ConsistentRead: input.IndexName === undefined,
          ExclusiveStartKey,
          ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
        }),
      );
      items.push(...((page.Items ?? []) as Array<T & Key>));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < max);
    return items;
  }

  async #count(input: QueryInput): Promise<number> {
    let count = 0;
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new QueryCommand({
          ...input,
          TableName: this.#table,
          ConsistentRead: true,
          Select: 'COUNT',
          ExclusiveStartKey,
        }),
      );
      count += page.Count ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }

  /** Commits the items; resolves to `undefined`, or to the cancellation reason codes (one per item). */
  async #transact(items: Transaction): Promise<string[] | undefined> {
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons) {
        return error.CancellationReasons.map((reason) => reason.Code ?? 'None');
      }
      throw error;
    }
  }

  #put(item: Record<string, unknown>, condition?: string): TransactionItem {
    return { Put: { TableName: this.#table, Item: item, ...(condition ? { ConditionExpression: condition } : {}) } };
  }

  #delete(key: Key, condition?: string): TransactionItem {
    return { Delete: { TableName: this.#table, Key: key, ...(condition ? { ConditionExpression: condition } : {}) } };
  }
}

type Key = { pk: string; sk: string };
type Transaction = NonNullable<TransactWriteCommandInput['TransactItems']>;
type TransactionItem = Transaction[number];
type QueryInput = Omit<QueryCommandInput, 'TableName'>;

type SequencedPlan<T> =
  | { result: T }
  | {
      /** Change of the room item's `memberCount`, in the same write. */
      memberDelta?: 1 | -1;
      items: Transaction;
      result: T;
    }
  | 'retry';

/** Stored item shapes (absent attributes stand for `null`). */
interface UserItem {
  id: UserId;
  username: string;
  guest: boolean;
  createdAt: number;
}

interface RoomItem {
  id: RoomId;
  kind: Room['kind'];
  name?: string;
  createdBy?: UserId;
  createdAt: number;
  lastSeq: number;
  memberCount: number;
}

interface MemberItem extends Membership {
  /** The member, for listings and events (users never change). */
  user: UserItem;
  /** The other member of a direct conversation. */
  peer?: UserItem;
}

interface MessageItem {
  id: MessageId;
  roomId: RoomId;
  seq: number;
  authorId: UserId;
  authorName: string;
  text: string;
  clientMessageId?: string;
  createdAt: number;
  editedAt?: number;
  deletedAt?: number;
}

interface EventItem {
  type: RoomEvent['type'];
  at: number;
  /** Message events: the message's sequence number (its key). */
  messageSeq?: number;
  /** Member events: the member. */
  user?: UserItem;
}

interface ConnectionItem {
  connectionId: ConnectionId;
  userId: UserId;
  connectedAt: number;
}

interface OnlineEntry {
  connectionId: ConnectionId;
  userId: UserId;
  username: string;
  guest: boolean;
  createdAt: number;
}

interface CounterItem {
  hits: number;
  resetAt: number;
}

function roomItem(room: Room): Omit<RoomItem, 'memberCount'> {
  return {
    id: room.id,
    kind: room.kind,
    ...(room.name === null ? {} : { name: room.name }),
    ...(room.createdBy === null ? {} : { createdBy: room.createdBy }),
    createdAt: room.createdAt,
    lastSeq: room.lastSeq,
  };
}

function memberItem(membership: Membership, user: User): MemberItem {
  return {
    ...membership,
    user: { id: user.id, username: user.username, guest: user.guest, createdAt: user.createdAt },
  };
}

function messageItem(message: Message): MessageItem {
  const { clientMessageId, editedAt, deletedAt, ...rest } = message;
  return {
    ...rest,
    ...(clientMessageId === null ? {} : { clientMessageId }),
    ...(editedAt === null ? {} : { editedAt }),
    ...(deletedAt === null ? {} : { deletedAt }),
  };
}

function toUser(item: UserItem | undefined): User | undefined {
  return item && { id: item.id, username: item.username, guest: item.guest, createdAt: item.createdAt };
}

function toRoom(item: RoomItem | undefined): Room | undefined {
  return (
    item && {
      id: item.id,
      kind: item.kind,
      name: item.name ?? null,
      createdBy: item.createdBy ?? null,
      createdAt: item.createdAt,
      lastSeq: item.lastSeq,
    }
  );
}

function toMembership(item: MemberItem): Membership {
  return { roomId: item.roomId, userId: item.userId, joinedAt: item.joinedAt, lastReadSeq: item.lastReadSeq };
}

function toMessage(item: MessageItem | undefined): Message | undefined {
  return (
    item && {
      id: item.id,
      roomId: item.roomId,
      seq: item.seq,
      authorId: item.authorId,
      authorName: item.authorName,
      text: item.text,
      clientMessageId: item.clientMessageId ?? null,
      createdAt: item.createdAt,
      editedAt: item.editedAt ?? null,
      deletedAt: item.deletedAt ?? null,
    }
  );
}

function toEvent(roomId: RoomId, item: EventItem & Key, messages: Map<string, MessageItem & Key>): RoomEvent {
  const base = { roomId, seq: Number(item.sk.slice('EVENT#'.length)), at: item.at };
  switch (item.type) {
    case 'message':
    case 'messageEdited':
    case 'messageDeleted': {
      return {
        ...base,
        type: item.type,
        message: toMessage(messages.get(keyOf(keys.message(roomId, item.messageSeq!))))!,
      };
    }
    case 'memberJoined':
    case 'memberLeft':
      return { ...base, type: item.type, user: userSummary(toUser(item.user)!) };
  }
}

function toConnection(item: ConnectionItem): Connection {
  return { connectionId: item.connectionId, userId: item.userId, connectedAt: item.connectedAt };
}

/** Items by `keyOf` their primary key. */
function byKey<T extends Key>(items: T[]): Map<string, T> {
  return new Map(items.map((item) => [keyOf(item), item]));
}

function keyOf({ pk, sk }: Key): string {
  return `${pk}\n${sk}`;
}

function byConnectedAt(a: Connection, b: Connection): number {
  return a.connectedAt - b.connectedAt || compare(a.connectionId, b.connectionId);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function epochSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A cancelled transaction that no condition explains: a throttle, a validation or a service fault. */
function cancelled(reasons: string[]): ChatError {
  return new ChatError('STORE_UNAVAILABLE', undefined, {
    cause: new Error(`DynamoDB cancelled the transaction: ${reasons.join(', ')}`),
  });
}

function contended(): ChatError {
  return new ChatError('STORE_UNAVAILABLE', undefined, {
    cause: new Error('Too many concurrent writers: the write lost every attempt.'),
  });
}

/** Full-jitter exponential backoff: up to 4 ms, doubling, capped at 100 ms. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 4 * 2 ** Math.min(attempt, 10));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

/** Maps with at most `limit` calls in flight, keeping the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
