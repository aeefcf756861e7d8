/**
 * The single-table design of the DynamoDB store, as data: the CDK app creates
 * exactly this table (`chatTable`), tests and local runs create it with
 * `createTable`, and the adapter builds every key with `keys`.
 *
 * Every access pattern is a GetItem, a Query (on the table or `gsi1`), a
 * BatchGetItem of known keys, or a (Transact)WriteItem. Nothing scans.
 *
 * | access pattern                        | operation and key                                                        |
 * |---------------------------------------|--------------------------------------------------------------------------|
 * | user by id                            | Get `USER#<id>` / `USER`                                                 |
 * | user by username (unique)             | Get `USERNAME#<lower>` / `USERNAME` (guard item, holds the user)         |
 * | users by username prefix (page)       | Query gsi1 `USERS` sk BETWEEN `<after or prefix>` AND `<prefix>\uffff` (the guard items) |
 * | password hash                         | Get `USER#<id>` / `CREDENTIAL`                                           |
 * | session by id (TTL)                   | Get `SESSION#<id>` / `SESSION`                                           |
 * | user -> sessions (TTL)                | Query `USER#<id>` begins_with `SESSION#`                                 |
 * | room by id (with lastSeq, memberCount)| Get `ROOM#<id>` / `ROOM`                                                 |
 * | room by name (unique)                 | Get `ROOMNAME#<lower>` / `ROOMNAME` (guard item) then the room           |
 * | public room directory, by name (page) | Query gsi1 `ROOMS` after a name, then BatchGet the rooms and memberships (private rooms have no `ROOMS` entry) |
 * | idle guests, longest idle first       | Query gsi1 `GUESTS` (sparse: guests not retired, by last activity)       |
 * | a guest's messages (to rename them)   | Query `USER#<id>` begins_with `AUTHORED#` (written with each message)    |
 * | direct conversation of a pair         | Get `ROOM#dm:<a>:<b>` / `ROOM` (deterministic id, conditional create)    |
 * | group conversation of 3 to 8 people   | Get `ROOM#group:<digest of the ids>` / `ROOM` (likewise)                 |
 * | room -> members (by username, page)   | Query gsi1 `MEMBERS#<id>` after `<username>#<userId>`; who is online: the room's live connections |
 * | membership, read marker               | Get/Update `ROOM#<id>` / `MEMBER#<userId>`                               |
 * | ban from a room                       | Get / Put / Delete `ROOM#<id>` / `BAN#<userId>`                          |
 * | which send took its uploads           | conditional Update `ROOM#<id>` / `UPLOAD#<authorId>#<fileId>` (several: one transaction) |
 * | room -> bans (by user id, page)       | Query `ROOM#<id>` `BAN#<after>`..`BAN$`, then BatchGet the users          |
 * | user -> rooms (by room id, page)      | Query `USER#<id>` `ROOM#<after>`..`ROOM$` (written with the membership)  |
 * | user -> room heads that moved (ping)  | Query `USER#<id>` begins_with `ROOM#`, then BatchGet the rooms' `lastSeq`, `headAt` |
 * | unread count                          | Query `ROOM#<id>` `MSG#` after the marker, filtered, Select COUNT        |
 * | unread mentions of a member           | the same Query, filtered on the message's `mentionIds`, Select COUNT     |
 * | notification settings of a member     | BatchGet / Put `USER#<id>` / `NOTIFY#<roomId>`                           |
 * | message by room and sequence (history)| Query `ROOM#<id>` `MSG#<seq>` range, newest first (thread-only replies filtered out) |
 * | thread replies (page)                 | Query `ROOM#<id>` `THREAD#<rootSeq>#<seq>` range, newest first, then BatchGet the messages |
 * | user -> thread read position          | Get/conditional Update `USER#<id>` / `THREADREAD#<roomId>#<rootSeq>`     |
 * | user -> followed threads of a room    | Query `USER#<id>` `THREADREAD#<roomId>#<rootSeq>` range, newest first, then BatchGet the roots |
 * | message by id                         | Get `MESSAGE#<id>` / `MESSAGE` (room and seq), then the message          |
 * | idempotent send                       | Get/conditional Put `CLIENTMSG#[room,author,clientId]` / `CLIENTMSG`     |
 * | pinned messages (count, page)         | Query `ROOM#<id>` `PIN#<seq>` range, newest first, then BatchGet the messages |
 * | room events after a seq (catch-up)    | Query `ROOM#<id>` `EVENT#<seq>` range, then BatchGet their messages      |
 * | search: a room's messages with a word  | Query `SEARCH#<roomId>` begins_with `<word prefix>` (written by the stream indexer) |
 * | invite link by id                     | Get, conditional Update `INVITE#<id>` / `INVITE`                         |
 * | room -> invite links (newest first)   | Query gsi1 `INVITES#<roomId>` descending, then BatchGet the invites      |
 * | connection by id (TTL)                | Get `CONN#<id>` / `CONN`                                                 |
 * | user -> connections (TTL)             | Query `USER#<id>` begins_with `CONN#`                                    |
 * | presence: a user's open connection ids| Update (ADD/DELETE a string set) `USER#<id>` / `PRESENCE`                |
 * | room -> live connections (fan-out)    | Query `ROOMCONN#<id>` (one item per connection of an online member, TTL) |
 * | online users (by username, page)      | Query gsi1 `ONLINE` after `<username>#<userId>#` (user -> connection items) |
 * | rate-limit counter (TTL)              | conditional Update/Put `COUNTER#<key>` / `COUNTER`                       |
 * | rate-limit bucket or backoff (TTL)    | Get, then Put conditioned on the read revision `LIMIT#<key>` / `LIMIT`   |
 * | deactivated account                   | Get / conditional Put `USER#<id>` / `DEACTIVATED`                        |
 * | audit log of a room / of all (page)   | Query `AUDIT#<roomId>` or `AUDIT#*` `<at>#<id>` before a key, newest first (each entry written to both) |
 *
 * The live-connection index (`ROOMCONN#<roomId>` / `CONN#<connectionId>`) is
 * what a broadcast reads: only the connections of members who are online, never
 * the membership (store/dynamodb/room-connections.ts keeps it and says what it
 * costs). It has a partition of its own so fan-out reads do not share a room's
 * message partition. So has a room's search index (`SEARCH#<roomId>`, one item
 * per word of each message: store/dynamodb/search-index.ts), which only the
 * stream indexer writes.
 *
 * A room's partition holds its members, messages and events, so one room's
 * traffic is bounded by one partition's throughput. There is no local index,
 * so item collections have no size limit. `gsi1` projects only attributes that
 * never change after the write, so the per-message `lastSeq` update on a room
 * item never writes the index (its `ROOMS` and `ONLINE` partitions would be hot).
 * A guest's user item moves in the `GUESTS` partition when it is active (a
 * sign-in, a connection opening or closing), not per message, and leaves the
 * index when the guest is retired.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

export const chatTable = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      /** Immutable attributes only (see the file comment). */
      projection: {
        type: 'INCLUDE',
        nonKeyAttributes: [
          'id',
          'userId',
          'username',
          'guest',
          'createdAt',
          'connectionId',
          'connectedAt',
          'user',
          'joinedAt',
        ],
      },
    },
  ],
  /** Epoch seconds; set on connections, sessions and rate-limit state. */
  timeToLiveAttribute: 'expiresAt',
  /** Feeds the search indexer and sees TTL deletions of connections. */
  stream: 'NEW_AND_OLD_IMAGES',
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** The index of the directory and online-user listings. */
export const GSI1 = chatTable.globalSecondaryIndexes[0].indexName;

/** Width of zero-padded sequence numbers in sort keys: fits `Number.MAX_SAFE_INTEGER`. */
const SEQ_WIDTH = 16;

export function seqKey(seq: number): string {
  return String(seq).padStart(SEQ_WIDTH, '0');
}

/** Primary keys of every item kind (see the table in the file comment). */
export const keys = {
  user: (id: string) => ({ pk: `USER#${id}`, sk: 'USER' }),
  username: (username: string) => ({ pk: `USERNAME#${username.toLowerCase()}`, sk: 'USERNAME' }),
  credential: (userId: string) => ({ pk: `USER#${userId}`, sk: 'CREDENTIAL' }),
  session: (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' }),
  userSession: (userId: string, id: string) => ({ pk: `USER#${userId}`, sk: `SESSION#${id}` }),
  userRoom: (userId: string, roomId: string) => ({ pk: `USER#${userId}`, sk: `ROOM#${roomId}` }),
  userConnection: (userId: string, connectionId: string) => ({ pk: `USER#${userId}`, sk: `CONN#${connectionId}` }),
  /** The set of a user's open connection ids that decides presence (presence.ts). */
  presence: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PRESENCE' }),
  /** A member's notification settings for a room (mentions.ts). */
  notificationSettings: (userId: string, roomId: string) => ({ pk: `USER#${userId}`, sk: `NOTIFY#${roomId}` }),
  room: (id: string) => ({ pk: `ROOM#${id}`, sk: 'ROOM' }),
  roomName: (name: string) => ({ pk: `ROOMNAME#${name.toLowerCase()}`, sk: 'ROOMNAME' }),
  member: (roomId: string, userId: string) => ({ pk: `ROOM#${roomId}`, sk: `MEMBER#${userId}` }),
  ban: (roomId: string, userId: string) => ({ pk: `ROOM#${roomId}`, sk: `BAN#${userId}` }),
  uploadClaim: (roomId: string, authorId: string, fileId: string) => ({
    pk: `ROOM#${roomId}`,
    sk: `UPLOAD#${authorId}#${fileId}`,
  }),
  message: (roomId: string, seq: number) => ({ pk: `ROOM#${roomId}`, sk: `MSG#${seqKey(seq)}` }),
  event: (roomId: string, seq: number) => ({ pk: `ROOM#${roomId}`, sk: `EVENT#${seqKey(seq)}` }),
  /** One per pinned message, at the message's seq: the room's pins in order without reading its messages. */
  pin: (roomId: string, seq: number) => ({ pk: `ROOM#${roomId}`, sk: `PIN#${seqKey(seq)}` }),
  messageId: (id: string) => ({ pk: `MESSAGE#${id}`, sk: 'MESSAGE' }),
  /** One per thread reply, in its room's partition: a thread's replies in order without reading the room's other messages. */
  threadReply: (roomId: string, rootSeq: number, seq: number) => ({
    pk: `ROOM#${roomId}`,
    sk: `THREAD#${seqKey(rootSeq)}#${seqKey(seq)}`,
  }),
  /** A user's read position in a thread they follow (room ids hold no `#`). */
  threadRead: (userId: string, roomId: string, rootSeq: number) => ({
    pk: `USER#${userId}`,
    sk: `THREADREAD#${roomId}#${seqKey(rootSeq)}`,
  }),
  /** A guest's message, by room and sequence (only guests' messages have one). */
  authored: (userId: string, roomId: string, seq: number) => ({
    pk: `USER#${userId}`,
    sk: `AUTHORED#${roomId}#${seqKey(seq)}`,
  }),
  /** JSON keeps the triple unambiguous whatever characters a client message id holds. */
  clientMessage: (roomId: string, authorId: string, clientMessageId: string) => ({
    pk: `CLIENTMSG#${JSON.stringify([roomId, authorId, clientMessageId])}`,
    sk: 'CLIENTMSG',
  }),
  /** A word of a message, in its room's search partition (search-index.ts); words hold no `#`. */
  searchWord: (roomId: string, word: string, seq: number) => ({
    pk: `SEARCH#${roomId}`,
    sk: `${word}#${seqKey(seq)}`,
  }),
  connection: (id: string) => ({ pk: `CONN#${id}`, sk: 'CONN' }),
  roomConnection: (roomId: string, connectionId: string) => ({
    pk: `ROOMCONN#${roomId}`,
    sk: `CONN#${connectionId}`,
  }),
  /** An invite link (store/dynamodb/invites.ts). */
  invite: (id: string) => ({ pk: `INVITE#${id}`, sk: 'INVITE' }),
  counter: (key: string) => ({ pk: `COUNTER#${key}`, sk: 'COUNTER' }),
  rateLimit: (key: string) => ({ pk: `LIMIT#${key}`, sk: 'LIMIT' }),
  deactivated: (userId: string) => ({ pk: `USER#${userId}`, sk: 'DEACTIVATED' }),
  /** An audit entry in a room's log (`roomId`) or in the log of every room (`null`). */
  audit: (roomId: string | null, at: number, id: string) => ({ pk: auditPartition(roomId), sk: auditSortKey(at, id) }),
} as const;

/** The audit log of a room, or of every room (`null`: no room id is `*`). */
export function auditPartition(roomId: string | null): string {
  return `AUDIT#${roomId ?? '*'}`;
}

/** Orders audit entries by time, then id: a time fits 16 digits like a sequence number. */
export function auditSortKey(at: number, id: string): string {
  return `${seqKey(at)}#${id}`;
}

/** Key prefixes of a message item (`keys.message`): what the search indexer's stream filter lets through. */
export const MESSAGE_KEY_PREFIXES = { pk: 'ROOM#', sk: 'MSG#' } as const;

/** Partition values of `gsi1`. */
export const GSI1_ROOMS = 'ROOMS';
export const GSI1_ONLINE = 'ONLINE';
export const GSI1_GUESTS = 'GUESTS';
/** Every username not retired, by username (the guard items): `findUsers` reads a range of it. */
export const GSI1_USERS = 'USERS';

/** A guest's `gsi1sk`: its last activity, so the index lists the longest idle first. */
export function guestActivityKey(at: number, userId: string): string {
  return `${seqKey(at)}#${userId}`;
}
export const gsi1Members = (roomId: string): string => `MEMBERS#${roomId}`;
/** A room's invite links in gsi1, by creation time (`inviteListKey`). */
export const gsi1Invites = (roomId: string): string => `INVITES#${roomId}`;
export function inviteListKey(createdAt: number, id: string): string {
  return `${seqKey(createdAt)}#${id}`;
}

/** The `CreateTable` request for `chatTable` (TTL is a separate call: see `createTable`). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, globalSecondaryIndexes, stream, billingMode } = chatTable;
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: [
      partitionKey,
      sortKey,
      ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
    ].map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection.type, NonKeyAttributes: [...index.projection.nonKeyAttributes] },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: stream },
  };
}

/**
 * Creates the table, waits until it is active and enables TTL: for tests and
 * local runs (deployments create it with the CDK app).
 * @example await createTable(new DynamoDBClient({ endpoint }), 'chat');
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: {
    /** Longest wait for the table to become active. @default 60 */ maxWaitSeconds?: number;
  } = {},
): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: options.maxWaitSeconds ?? 60 }, { TableName: tableName });
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: chatTable.timeToLiveAttribute },
    }),
  );
}
