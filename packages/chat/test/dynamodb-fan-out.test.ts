/**
 * Broadcast by who is connected, on DynamoDB (the AWS deployment's store): the
 * chat's real handlers on a gateway, the lookup broadcaster posting through
 * `@connections`, DynamoDB Local through the real SDK, and every request the SDK
 * sends counted by a middleware. A send reads a constant number of items,
 * whatever the size of the room's membership; joining a big room costs the same
 * as joining a small one; a member who left receives nothing more.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Room, User } from '../src/domain/types.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { keys } from '../src/store/dynamodb/table-design.ts';
import { type ChatOnStore, startChatOnStore } from './chat-on-store.ts';
import { ChatClient, sendToEveryone } from './chat-test-client.ts';
import { localClient, membershipItems, newTable, putItems, stopDynamoDbLocal } from './dynamodb-local.ts';

after(stopDynamoDbLocal);

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);

/** The SDK requests sent while `measure` runs, by command name. */
class RequestCounter {
  #counts: Map<string, number> | undefined;

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = context.commandName ?? 'unknown';
        this.#counts?.set(name, (this.#counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
  }

  async measure(work: () => Promise<void>): Promise<{ reads: number; byCommand: Record<string, number> }> {
    // Nothing else runs meanwhile: a handler answers after its posts are done.
    this.#counts = new Map();
    await work();
    const byCommand = Object.fromEntries(this.#counts);
    this.#counts = undefined;
    const reads = Object.entries(byCommand)
      .filter(([name]) => READS.has(name))
      .reduce((sum, [, count]) => sum + count, 0);
    return { reads, byCommand };
  }
}

describe('fan-out on DynamoDB reads only the connections of online members', () => {
  const counter = new RequestCounter();
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let table: string;
  let store: DynamoDbChatStore;
  let chat: ChatOnStore;
  const sockets: ChatClient[] = [];
  let clock = Date.now();
  const now = () => ++clock;

  before(async () => {
    client = await localClient();
    counter.attach(client);
    doc = DynamoDBDocumentClient.from(client);
    table = await newTable();
    store = new DynamoDbChatStore(doc, table);
    chat = await startChatOnStore(store, 'posting');
  });

  after(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await chat?.close();
    client?.destroy();
  });

  const newUser = (): Promise<User> =>
    store.createUser({ id: randomUUID(), username: `u${randomUUID().slice(0, 12)}`, guest: false, createdAt: now() });

  async function roomOf(offline: number, online: number): Promise<{ room: Room; sockets: ChatClient[] }> {
    const room = await store.createRoom({
      id: randomUUID(),
      name: `r${randomUUID().slice(0, 8)}`,
      createdBy: null,
      createdAt: now(),
    });
    await addOfflineMembers(room, offline);
    const connected: ChatClient[] = [];
    for (let i = 0; i < online; i++) {
      const user = await newUser();
      await store.addMember(room.id, user.id, now());
      const socket = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user));
      sockets.push(socket);
      connected.push(socket);
    }
    return { room, sockets: connected };
  }

  /** Members who never connect, written in bulk (users and memberships): only their number matters here. */
  async function addOfflineMembers(room: Room, count: number): Promise<void> {
    const users: User[] = Array.from({ length: count }, () => ({
      id: randomUUID(),
      username: `u${randomUUID().slice(0, 12)}`,
      guest: false,
      createdAt: now(),
    }));
    await putItems(doc, table, [
      ...users.map((user) => ({ ...keys.user(user.id), ...user })),
      ...users.flatMap((user) => membershipItems(room, user)),
    ]);
    assert.ok((await store.listMembers(room.id, { limit: 1000 })).length >= count);
  }

  /** One send through the real `sendMessage` handler; resolves once every other member has the message. */
  async function sendAndCount(room: Room, members: readonly ChatClient[]) {
    const [sender, ...others] = members as [ChatClient, ...ChatClient[]];
    const counted = await counter.measure(async () => {
      await sendToEveryone(sender, others, room.id, 'hello');
    });
    return counted;
  }

  it('a send to 300 members of whom 10 are online reads what a send to 3 members does', async () => {
    const big = await roomOf(290, 10);
    const small = await roomOf(0, 3);
    const bigSend = await sendAndCount(big.room, big.sockets);
    const smallSend = await sendAndCount(small.room, small.sockets);
    assert.equal(bigSend.byCommand.QueryCommand, 1, `one query finds the recipients: ${JSON.stringify(bigSend)}`);
    assert.ok(bigSend.reads <= 8, `a small constant number of reads per send: ${JSON.stringify(bigSend)}`);
    assert.deepEqual(bigSend, smallSend, 'the membership size changes nothing');
  });

  it('joining a big room costs what joining a small one does, and a member who left gets nothing more', async () => {
    const big = await roomOf(200, 2);
    const small = await roomOf(2, 2);
    const joinCost = async (room: Room) => {
      const user = await newUser();
      const socket = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user));
      sockets.push(socket);
      const cost = await counter.measure(async () => {
        await socket.ok({ action: 'joinRoom', roomId: room.id });
      });
      return { socket, cost };
    };
    const joinedBig = await joinCost(big.room);
    const joinedSmall = await joinCost(small.room);
    assert.deepEqual(joinedBig.cost, joinedSmall.cost);

    // The new member is in the index at once: the next send reaches them.
    const first = await big.sockets[0]!.ok({
      action: 'sendMessage',
      roomId: big.room.id,
      text: 'welcome',
      clientMessageId: randomUUID(),
    });
    await joinedBig.socket.waitFor((f) => f.type === 'message' && f.message.id === first.message.id, 'the message');

    // After leaving, the index no longer lists their connection.
    await joinedBig.socket.ok({ action: 'leaveRoom', roomId: big.room.id });
    const recipients = await store.listRoomConnections(big.room.id);
    assert.equal(recipients.length, 2);
    const second = await big.sockets[0]!.ok({
      action: 'sendMessage',
      roomId: big.room.id,
      text: 'after the leave',
      clientMessageId: randomUUID(),
    });
    await big.sockets[1]!.waitFor((f) => f.type === 'message' && f.message.id === second.message.id, 'the message');
    await joinedBig.socket.sync();
    assert.ok(!joinedBig.socket.frames.some((f) => f.type === 'message' && f.message.id === second.message.id));
  });

  it('a closed connection leaves the index of every room of its user', async () => {
    const one = await roomOf(0, 1);
    const user = await newUser();
    const rooms = [one.room, (await roomOf(0, 0)).room];
    for (const room of rooms) await store.addMember(room.id, user.id, now());
    const socket = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user));
    for (const room of rooms) {
      assert.deepEqual(
        (await store.listRoomConnections(room.id)).filter((c) => c.userId === user.id).length,
        1,
        'indexed in each room at connect',
      );
    }
    await socket.close();
    for (const room of rooms) {
      for (let attempt = 0; ; attempt++) {
        const left = (await store.listRoomConnections(room.id)).filter((c) => c.userId === user.id);
        if (left.length === 0) break;
        assert.ok(attempt < 200, 'the $disconnect removes the entries');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  });
});
