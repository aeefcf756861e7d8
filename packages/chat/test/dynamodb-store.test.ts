/**
 * The DynamoDB store against AWS's own DynamoDB Local (a Java process, in
 * memory), through the real AWS SDK: what is particular to it (the table design,
 * concurrent writers, TTLs, no scans, errors). The shared conformance suite runs
 * in dynamodb-store-conformance.test.ts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Message, Room, User } from '../src/domain/types.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { MAX_APPENDS_PER_WRITE } from '../src/store/dynamodb/message-appends.ts';
import { chatTable, keys } from '../src/store/dynamodb/table-design.ts';
import { freePort, localCredentials, newTable, openStore, stopDynamoDbLocal } from './dynamodb-local.ts';

after(stopDynamoDbLocal);

function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
  };
}

describe('DynamoDbChatStore', () => {
  let table: string;
  const opened: Array<{ close(): Promise<void> }> = [];
  const open = async () => {
    const result = await openStore(table);
    opened.push(result);
    return result;
  };
  let clock = 1_700_000_000_000;
  const now = () => ++clock;
  const newUser = (store: DynamoDbChatStore): Promise<User> =>
    store.createUser({ id: randomUUID(), username: `u${randomUUID().slice(0, 8)}`, guest: false, createdAt: now() });

  before(async () => {
    table = await newTable();
  });
  after(() => Promise.all(opened.map((store) => store.close())));

  it('creates the table of the design: keys, index, stream and TTL', async () => {
    const { doc } = await open();
    const { Table } = await doc.send(new DescribeTableCommand({ TableName: table }));
    assert.deepEqual(
      Table?.KeySchema?.map((key) => key.AttributeName),
      [chatTable.partitionKey.name, chatTable.sortKey.name],
    );
    assert.deepEqual(
      Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName),
      chatTable.globalSecondaryIndexes.map((index) => index.indexName),
    );
    assert.equal(Table?.StreamSpecification?.StreamViewType, chatTable.stream);
    const { TimeToLiveDescription } = await doc.send(new DescribeTimeToLiveCommand({ TableName: table }));
    assert.equal(TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED');
    assert.equal(TimeToLiveDescription?.AttributeName, chatTable.timeToLiveAttribute);
  });

  it('gives appends from several clients at once distinct, consecutive numbers', async () => {
    // Three stores on three SDK clients: what three concurrent Lambdas do.
    const stores = [(await open()).store, (await open()).store, (await open()).store];
    const [alice, bob] = [await newUser(stores[0]!), await newUser(stores[0]!)];
    const room = await stores[0]!.createRoom({
      id: randomUUID(),
      name: `r${randomUUID().slice(0, 8)}`,
      createdBy: null,
      createdAt: now(),
    });
    await stores[0]!.addMember(room.id, alice.id, now());
    await stores[1]!.addMember(room.id, bob.id, now());
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        stores[i % 3]!.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: i % 2 ? alice.id : bob.id,
          authorName: 'x',
          text: `message ${i}`,
          clientMessageId: null,
          at: now(),
        }),
      ),
    );
    const seqs = results.map((result) => result.message.seq).sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 45 }, (_, i) => i + 3),
    );
    const events = await stores[2]!.listEvents(room.id, 0, 100);
    assert.deepEqual(
      events.map((event) => event.seq),
      Array.from({ length: 47 }, (_, i) => i + 1),
    );
    assert.equal((await stores[1]!.getRoom(room.id))?.lastSeq, 47);
  });

  it("writes a room's appends of one turn in transactions of MAX_APPENDS_PER_WRITE, numbered in the order sent", async () => {
    const { store, sent } = await open();
    const alice = await newUser(store);
    const [room, other] = [await roomWith(store, alice), await roomWith(store, alice)];
    const append = (roomId: string, i: number, clientMessageId: string | null = null) =>
      store.appendMessage({
        id: randomUUID(),
        roomId,
        authorId: alice.id,
        authorName: alice.username,
        text: `message ${i}`,
        clientMessageId,
        at: now(),
      });
    const count = MAX_APPENDS_PER_WRITE + 5;
    sent.length = 0;
    // One turn: `count` appends to one room, a repeat among them, and one append to another room.
    const results = await Promise.all([
      ...Array.from({ length: count }, (_, i) => append(room.id, i, i === 3 ? 'repeated' : null)),
      append(room.id, count, 'repeated'),
      append(other.id, 0),
    ]);
    const inRoom = results.slice(0, count);
    assert.deepEqual(
      inRoom.map(({ message }) => [message.text, message.seq]),
      Array.from({ length: count }, (_, i) => [`message ${i}`, i + 2]),
    );
    assert.equal(results[count]?.created, false);
    assert.deepEqual(results[count]?.message, inRoom[3]?.message);
    assert.equal(results[count + 1]?.message.seq, 2);
    // Two groups for the busy room, one for the other, and no write for the repeat.
    assert.equal(sent.filter((name) => name === 'TransactWriteItemsCommand').length, 3, sent.join(', '));
    assert.equal((await store.getRoom(room.id))?.lastSeq, count + 1);
    assert.deepEqual(
      (await store.listEvents(room.id, 1, 100)).map(({ seq }) => seq),
      Array.from({ length: count }, (_, i) => i + 2),
    );
  });

  it("takes a room's thread replies in turn with its sends: 40 at once from one store all succeed, in order", async () => {
    const { store } = await open();
    const alice = await newUser(store);
    const room = await roomWith(store, alice);
    const message = (i: number) => ({
      id: randomUUID(),
      roomId: room.id,
      authorId: alice.id,
      authorName: alice.username,
      text: `message ${i}`,
      clientMessageId: null,
      at: now(),
    });
    const { message: root } = await store.appendMessage(message(0));
    // Each reply is a write of its own (it updates the root): from one store they must not race each other.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        i % 4 === 0
          ? store.appendMessage(message(i + 1))
          : store.appendReply({ ...message(i + 1), rootId: root.id, alsoToRoom: false }),
      ),
    );
    assert.deepEqual(
      outcomes.filter(({ status }) => status === 'rejected'),
      [],
    );
    const replies = 30;
    // A send takes one number, a reply two (its message and the root's threadUpdated), in the order issued.
    const seqs = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<{ message: Message }>).value.message.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal((await store.getRoom(room.id))?.lastSeq, root.seq + 10 + 2 * replies);
    assert.equal((await store.getMessage(root.id))?.thread?.replyCount, replies);
  });

  it('stores a retried send once when the retries race', async () => {
    const stores = [(await open()).store, (await open()).store];
    const alice = await newUser(stores[0]!);
    const room = await roomWith(stores[0]!, alice);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        stores[i % 2]!.appendMessage({
          id: randomUUID(),
          roomId: room.id,
          authorId: alice.id,
          authorName: alice.username,
          text: 'once',
          clientMessageId: 'race-1',
          at: now(),
        }),
      ),
    );
    assert.equal(results.filter((result) => result.created).length, 1);
    assert.equal(new Set(results.map((result) => result.message.id)).size, 1);
    assert.equal((await stores[0]!.getRoom(room.id))?.lastSeq, 2);
  });

  it('puts a TTL on connection items and counters', async () => {
    const { store, doc } = await open();
    const alice = await newUser(store);
    const connectionId = randomUUID();
    const connectedAt = now();
    await store.addConnection({ connectionId, userId: alice.id, connectedAt });
    const expected = Math.ceil(connectedAt / 1000) + 3 * 60 * 60;
    for (const key of [keys.connection(connectionId), keys.userConnection(alice.id, connectionId)]) {
      const { Item } = await doc.send(new GetCommand({ TableName: table, Key: key }));
      assert.equal(Item?.[chatTable.timeToLiveAttribute], expected, `TTL of ${key.pk} ${key.sk}`);
    }
    const counter = `k${randomUUID()}`;
    const { resetAt } = await store.hitCounter(counter, 60_000, now());
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: keys.counter(counter) }));
    assert.equal(Item?.[chatTable.timeToLiveAttribute], Math.ceil(resetAt / 1000));
  });

  it("takes a connection whose records TTL deleted out of the user's presence", async () => {
    const { store, doc } = await open();
    const alice = await newUser(store);
    const [lost, first, second] = [randomUUID(), randomUUID(), randomUUID()];
    assert.equal(await store.addConnection({ connectionId: lost, userId: alice.id, connectedAt: now() }), 1);
    // What TTL does to a connection whose $disconnect never ran: its records go, the presence set keeps its id.
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [keys.connection(lost), keys.userConnection(alice.id, lost)].map((Key) => ({
          Delete: { TableName: table, Key },
        })),
      }),
    );
    assert.equal(await store.addConnection({ connectionId: first, userId: alice.id, connectedAt: now() }), 1);
    assert.equal(await store.addConnection({ connectionId: second, userId: alice.id, connectedAt: now() }), 2);
    await doc.send(new DeleteCommand({ TableName: table, Key: keys.userConnection(alice.id, second) }));
    assert.equal((await store.removeConnection(first))?.remaining, 0, 'offline once its last live connection closes');
    const { Item } = await doc.send(new GetCommand({ TableName: table, Key: keys.presence(alice.id) }));
    assert.equal(Item?.connections, undefined);
  });

  it('never scans, across a workload touching every method', async () => {
    const { store, sent } = await open();
    const [alice, bob] = [await newUser(store), await newUser(store)];
    const room = await roomWith(store, alice, bob);
    const { message } = await store.appendMessage({
      id: randomUUID(),
      roomId: room.id,
      authorId: alice.id,
      authorName: alice.username,
      text: 'hello',
      clientMessageId: 'c1',
      at: now(),
    });
    await store.editMessage(message.id, 'hello again', now());
    await store.getMessage(message.id);
    await store.listMessages(room.id, { limit: 10 });
    await store.listEvents(room.id, 0, 10);
    await store.markRead(room.id, bob.id, message.seq);
    await store.listUserRooms(bob.id, { limit: 1000 });
    await store.getUserRoom(alice.id, room.id);
    await store.listPublicRooms(alice.id, { limit: 1000 });
    await store.listMembers(room.id, { limit: 1000 });
    await store.getRoomByName(room.name!);
    await store.getUserByUsername(alice.username);
    await store.getPasswordHash(alice.id);
    await store.openDirect({ id: `dm:${alice.id}:${bob.id}`, userIds: [alice.id, bob.id], createdAt: now() });
    const connectionId = randomUUID();
    await store.addConnection({ connectionId, userId: alice.id, connectedAt: now() });
    await store.listRoomConnections(room.id);
    await store.listUserConnections(alice.id);
    await store.listOnlineUsers({ limit: 1000 });
    await store.getConnection(connectionId);
    await store.removeConnection(connectionId);
    await store.hitCounter('scan-check', 1000, now());
    await store.peekCounter('scan-check', now());
    await store.resetCounter('scan-check');
    await store.deleteMessage(message.id, now());
    await store.removeMember(room.id, bob.id, now());
    await store.clearConnections();

    const used = new Set(sent);
    assert.ok(used.has('QueryCommand') && used.has('TransactWriteItemsCommand'), [...used].join(', '));
    assert.ok(!used.has('ScanCommand'), [...used].join(', '));
  });

  it('reports an unreachable endpoint as STORE_UNAVAILABLE', async () => {
    const port = await freePort();
    const client = new DynamoDBClient({ ...clientConfig(`http://127.0.0.1:${port}`), maxAttempts: 1 });
    try {
      const store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), table);
      await assert.rejects(store.getUser('x'), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
      await assert.rejects(
        store.appendMessage({
          id: randomUUID(),
          roomId: 'r',
          authorId: 'a',
          authorName: 'a',
          text: 'lost',
          clientMessageId: null,
          at: now(),
        }),
        { name: 'ChatError', code: 'STORE_UNAVAILABLE' },
      );
    } finally {
      client.destroy();
    }
  });

  it('reports a missing table as STORE_UNAVAILABLE', async () => {
    const { doc } = await open();
    const store = new DynamoDbChatStore(doc, `missing-${randomUUID()}`);
    await assert.rejects(store.listOnlineUsers({ limit: 1000 }), { name: 'ChatError', code: 'STORE_UNAVAILABLE' });
  });

  async function roomWith(store: DynamoDbChatStore, ...users: User[]): Promise<Room> {
    const room = await store.createRoom({
      id: randomUUID(),
      name: `r${randomUUID().slice(0, 8)}`,
      createdBy: users[0]?.id ?? null,
      createdAt: now(),
    });
    for (const user of users) await store.addMember(room.id, user.id, now());
    return room;
  }
});
