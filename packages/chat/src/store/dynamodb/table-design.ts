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
 * | password hash                         | Get `USER#<id>` / `CREDENTIAL`                                           |
 * | room by id (with lastSeq, memberCount)| Get `ROOM#<id>` / `ROOM`                                                 |
 * | room by name (unique)                 | Get `ROOMNAME#<lower>` / `ROOMNAME` (guard item) then the room           |
 * | public room directory, by name        | Query gsi1 `ROOMS` (sparse: rooms only), then BatchGet the room items    |
 * | direct conversation of a pair         | Get `ROOM#dm:<a>:<b>` / `ROOM` (deterministic id, conditional create)    |
 * | room -> members (by username)         | Query `ROOM#<id>` begins_with `MEMBER#`                                  |
 * | membership, read marker               | Get/Update `ROOM#<id>` / `MEMBER#<userId>`                               |
 * | user -> rooms                         | Query `USER#<id>` begins_with `ROOM#` (written with the membership)      |
 * | unread count                          | Query `ROOM#<id>` `MSG#` after the marker, filtered, Select COUNT        |
 * | message by room and sequence (history)| Query `ROOM#<id>` `MSG#<seq>` range, newest first                        |
 * | message by id                         | Get `MESSAGE#<id>` / `MESSAGE` (room and seq), then the message          |
 * | idempotent send                       | Get/conditional Put `CLIENTMSG#[room,author,clientId]` / `CLIENTMSG`     |
 * | room events after a seq (catch-up)    | Query `ROOM#<id>` `EVENT#<seq>` range, then BatchGet their messages      |
 * | connection by id (TTL)                | Get `CONN#<id>` / `CONN`                                                 |
 * | user -> connections (TTL)             | Query `USER#<id>` begins_with `CONN#`                                    |
 * | room -> connections                   | the room's members, then each member's connections (bounded parallel)    |
 * | online users, all connections         | Query gsi1 `ONLINE` (sparse: the user -> connection items)               |
 * | rate-limit counter (TTL)              | conditional Update/Put `COUNTER#<key>` / `COUNTER`                       |
 *
 * A room's partition holds its members, messages and events, so one room's
 * traffic is bounded by one partition's throughput. There is no local index,
 * so item collections have no size limit. `gsi1` projects only attributes that
 * never change after the write, so the per-message `lastSeq` update on a room
 * item never writes the index (its `ROOMS` and `ONLINE` partitions would be hot).
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
        nonKeyAttributes: ['id', 'userId', 'username', 'guest', 'createdAt', 'connectionId', 'connectedAt'],
      },
    },
  ],
  /** Epoch seconds; set on connections and rate-limit counters. */
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
  userRoom: (userId: string, roomId: string) => ({ pk: `USER#${userId}`, sk: `ROOM#${roomId}` }),
  userConnection: (userId: string, connectionId: string) => ({ pk: `USER#${userId}`, sk: `CONN#${connectionId}` }),
  room: (id: string) => ({ pk: `ROOM#${id}`, sk: 'ROOM' }),
  roomName: (name: string) => ({ pk: `ROOMNAME#${name.toLowerCase()}`, sk: 'ROOMNAME' }),
  member: (roomId: string, userId: string) => ({ pk: `ROOM#${roomId}`, sk: `MEMBER#${userId}` }),
  message: (roomId: string, seq: number) => ({ pk: `ROOM#${roomId}`, sk: `MSG#${seqKey(seq)}` }),
  event: (roomId: string, seq: number) => ({ pk: `ROOM#${roomId}`, sk: `EVENT#${seqKey(seq)}` }),
  messageId: (id: string) => ({ pk: `MESSAGE#${id}`, sk: 'MESSAGE' }),
  /** JSON keeps the triple unambiguous whatever characters a client message id holds. */
  clientMessage: (roomId: string, authorId: string, clientMessageId: string) => ({
    pk: `CLIENTMSG#${JSON.stringify([roomId, authorId, clientMessageId])}`,
    sk: 'CLIENTMSG',
  }),
  connection: (id: string) => ({ pk: `CONN#${id}`, sk: 'CONN' }),
  counter: (key: string) => ({ pk: `COUNTER#${key}`, sk: 'COUNTER' }),
} as const;

/** Partition values of `gsi1`. */
export const GSI1_ROOMS = 'ROOMS';
export const GSI1_ONLINE = 'ONLINE';

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
