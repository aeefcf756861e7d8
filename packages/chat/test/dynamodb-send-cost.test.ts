/**
 * What one message costs on DynamoDB in a room of 50 members, all online: the
 * chat's real handlers over the DynamoDB store on DynamoDB Local, every request
 * the SDK sends recorded by a middleware and priced in on-demand request units
 * by DynamoDB's rules (DynamoDB Local reports no consumed capacity): a strongly
 * consistent read of an item up to 4 KB is one read unit, half when eventually
 * consistent (the index); a query is one unit per 4 KB it returns; a write of an
 * item up to 1 KB is one write unit, twice that inside a transaction. The chat's
 * items are far below both sizes. The figures (printed as the test's
 * diagnostics) are the ones the README's cost estimate for AWS is computed
 * from; the assertions pin the shape: one post per other member, and a read
 * receipt that does not move the marker writes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Room } from '../src/domain/types.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { type ChatOnStore, startChatOnStore } from './chat-on-store.ts';
import { ChatClient, sendToEveryone } from './chat-test-client.ts';
import { dynamoDbLocalEndpoint, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';

const MEMBERS = 50;

interface Cost {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

describe('the cost of one message on DynamoDB, 50 members online', () => {
  let client: DynamoDBClient;
  let store: DynamoDbChatStore;
  let chat: ChatOnStore;
  let room: Room;
  const sockets: ChatClient[] = [];
  let cost: Cost | undefined;

  before(async () => {
    client = new DynamoDBClient({
      endpoint: await dynamoDbLocalEndpoint(),
      region: 'us-east-1',
      credentials: localCredentials,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (cost) {
          const name = context.commandName!.replace(/Command$/, '');
          cost.requests[name] = (cost.requests[name] ?? 0) + 1;
          const units = requestUnits(
            name,
            args.input as Record<string, unknown>,
            result.output as unknown as Record<string, unknown>,
          );
          cost.readUnits += units.read;
          cost.writeUnits += units.write;
        }
        return result;
      },
      { step: 'initialize', name: 'requestUnits' },
    );
    store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), await newTable());
    // Rate-limit buckets in the table, as the Lambda functions keep them.
    chat = await startChatOnStore(store, 'posting', store.rateLimits);
    room = await store.createRoom({
      id: randomUUID(),
      name: `r${randomUUID().slice(0, 8)}`,
      createdBy: null,
      createdAt: 1,
    });
    for (let i = 0; i < MEMBERS; i++) {
      const user = await store.createUser({
        id: randomUUID(),
        username: `m${randomUUID().slice(0, 10)}`,
        guest: false,
        createdAt: 1,
      });
      await store.addMember(room.id, user.id, 2);
      sockets.push(await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user)));
    }
  });

  after(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await chat?.close();
    client?.destroy();
    await stopDynamoDbLocal();
  });

  async function measure(work: () => Promise<void>): Promise<Cost> {
    cost = { requests: {}, readUnits: 0, writeUnits: 0 };
    await work();
    const measured = cost;
    cost = undefined;
    return measured;
  }

  it('sends to every other member with one post each; a receipt that moves nothing writes nothing', async (t) => {
    const [sender, reader] = sockets as [ChatClient, ChatClient];
    let seq = 0;
    const send = await measure(async () => {
      seq = (await sendToEveryone(sender, sockets.slice(1), room.id, 'hello, room')).message.seq;
    });
    for (const other of sockets.slice(1)) {
      assert.equal(other.all((f) => f.type === 'message' && f.message.seq === seq).length, 1);
    }
    const receipt = await measure(async () => {
      await reader.ok({ action: 'markRead', roomId: room.id, seq });
    });
    const repeat = await measure(async () => {
      await reader.ok({ action: 'markRead', roomId: room.id, seq });
    });
    assert.ok(receipt.writeUnits > 0, JSON.stringify(receipt));
    assert.equal(repeat.writeUnits, 0, JSON.stringify(repeat));
    assert.equal(repeat.requests.UpdateItem, undefined);
    t.diagnostic(
      [
        `send:            ${send.readUnits} read units, ${send.writeUnits} write units, ${MEMBERS - 1} posts; ${JSON.stringify(send.requests)}`,
        `receipt (moves): ${receipt.readUnits} read units, ${receipt.writeUnits} write units; ${JSON.stringify(receipt.requests)}`,
        `receipt (same):  ${repeat.readUnits} read units, ${repeat.writeUnits} write units; ${JSON.stringify(repeat.requests)}`,
      ].join('\n'),
    );
  });
});

/** On-demand request units of one request (see the file comment). */
function requestUnits(
  command: string,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
): { read: number; write: number } {
  const consistency = input.ConsistentRead === true ? 1 : 0.5;
  switch (command) {
    case 'GetItem':
      return { read: consistency, write: 0 };
    case 'Query': {
      const bytes = JSON.stringify(output.Items ?? []).length;
      return { read: Math.max(1, Math.ceil(bytes / 4096)) * consistency, write: 0 };
    }
    case 'BatchGetItem': {
      const requests = Object.values(
        input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>,
      );
      return { read: requests.reduce((sum, r) => sum + r.Keys.length * (r.ConsistentRead ? 1 : 0.5), 0), write: 0 };
    }
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: 1 };
    case 'BatchWriteItem':
      return { read: 0, write: Object.values(input.RequestItems as Record<string, unknown[]>).flat().length };
    case 'TransactWriteItems':
      return { read: 0, write: 2 * (input.TransactItems as unknown[]).length };
    case 'TransactGetItems':
      return { read: 2 * (input.TransactItems as unknown[]).length, write: 0 };
    default:
      throw new Error(`No price for ${command}`);
  }
}
