/**
 * Read receipts cost a write only when the marker moves: every store answers a
 * `markRead` at or behind the stored marker without writing anything, checked
 * where each database shows a write (SQLite's `data_version` seen from a second
 * connection, PostgreSQL's row version `xmin`, the DynamoDB requests the SDK
 * sends), and the service announces a marker to the user's other connections
 * only when it moved.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Database from 'better-sqlite3';
import pg from 'pg';
import { TokenService } from '../src/accounts/tokens.ts';
import { ChatService } from '../src/domain/chat-service.ts';
import type { Room, User } from '../src/domain/types.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { PostgresChatStore } from '../src/store/postgres/postgres-chat-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { dynamoDbLocalEndpoint, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'read-marker-'));
const schema = `chat_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await client.end();
  await stopDynamoDbLocal();
});

/** A room with two members and three messages by the first; resolves with the reader. */
async function roomWithMessages(store: ChatStore): Promise<{ room: Room; reader: User; lastSeq: number }> {
  const user = (name: string) =>
    store.createUser({ id: randomUUID(), username: `${name}${randomUUID().slice(0, 8)}`, guest: false, createdAt: 1 });
  const [author, reader] = [await user('a'), await user('r')];
  const room = await store.createRoom({
    id: randomUUID(),
    name: `r${randomUUID().slice(0, 8)}`,
    createdBy: null,
    createdAt: 1,
  });
  for (const member of [author, reader]) await store.addMember(room.id, member.id, 2);
  let lastSeq = 0;
  for (const text of ['one', 'two', 'three']) {
    const { message } = await store.appendMessage({
      id: randomUUID(),
      roomId: room.id,
      authorId: author.id,
      authorName: author.username,
      text,
      clientMessageId: null,
      at: 3,
    });
    lastSeq = message.seq;
  }
  return { room, reader, lastSeq };
}

describe('read markers are written only when they move forward', () => {
  it('SQLite: no commit for a marker at or behind the stored one', async () => {
    const file = join(dir, 'chat.db');
    const store = SqliteChatStore.open(file, { readMarkerFlushMs: 10 });
    const observer = new Database(file, { readonly: true });
    try {
      const { room, reader, lastSeq } = await roomWithMessages(store);
      const version = () => observer.pragma('data_version', { simple: true });
      await store.markRead(room.id, reader.id, lastSeq);
      await delay(50);
      const moved = version();
      for (const seq of [lastSeq, lastSeq - 1, lastSeq + 5]) {
        const view = await store.markRead(room.id, reader.id, seq);
        assert.equal(view?.membership.lastReadSeq, lastSeq);
      }
      await delay(50);
      assert.equal(version(), moved, 'no other connection committed');
    } finally {
      observer.close();
      await store.close();
    }
  });

  it('PostgreSQL: the membership row keeps its version for a marker that does not move', async () => {
    const store = await PostgresChatStore.open({ connectionString: databaseUrl, schema });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { room, reader, lastSeq } = await roomWithMessages(store);
      const rowVersion = async () =>
        (
          await client.query<{ xmin: string }>(
            `SELECT xmin FROM ${pg.escapeIdentifier(schema)}.memberships WHERE room_id = $1 AND user_id = $2`,
            [room.id, reader.id],
          )
        ).rows[0]!.xmin;
      const before = await rowVersion();
      await store.markRead(room.id, reader.id, lastSeq - 1);
      const moved = await rowVersion();
      assert.notEqual(moved, before, 'moving the marker writes the row');
      for (const seq of [lastSeq - 1, lastSeq - 2]) {
        assert.equal((await store.markRead(room.id, reader.id, seq))?.membership.lastReadSeq, lastSeq - 1);
      }
      assert.equal(await rowVersion(), moved);
      assert.equal((await store.markRead(room.id, reader.id, lastSeq + 9))?.membership.lastReadSeq, lastSeq);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('DynamoDB: no UpdateItem for a marker that does not move', async () => {
    const client = new DynamoDBClient({
      endpoint: await dynamoDbLocalEndpoint(),
      region: 'us-east-1',
      credentials: localCredentials,
    });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName!);
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    try {
      const store = new DynamoDbChatStore(DynamoDBDocumentClient.from(client), await newTable());
      const { room, reader, lastSeq } = await roomWithMessages(store);
      sent.length = 0;
      assert.equal((await store.markRead(room.id, reader.id, lastSeq))?.membership.lastReadSeq, lastSeq);
      assert.equal(sent.filter((name) => name === 'UpdateItemCommand').length, 1);
      sent.length = 0;
      for (const seq of [lastSeq, lastSeq - 1, lastSeq + 5]) {
        assert.equal((await store.markRead(room.id, reader.id, seq))?.membership.lastReadSeq, lastSeq);
      }
      assert.deepEqual(
        sent.filter((name) => !['GetItemCommand', 'QueryCommand'].includes(name)),
        [],
        'reads only',
      );
    } finally {
      client.destroy();
    }
  });

  it('announces the marker to the user’s other connections only when it moved', async () => {
    const store = SqliteChatStore.open(join(dir, 'service.db'));
    const broadcaster = new RecordingBroadcaster();
    const service = new ChatService({
      store,
      broadcaster,
      tokens: new TokenService({ secret: new TextEncoder().encode('x'.repeat(32)) }),
      rateLimitStore: new MemoryRateLimitStore(),
    });
    try {
      const { room, reader, lastSeq } = await roomWithMessages(store);
      await store.addConnection({ connectionId: 'tab-1', userId: reader.id, connectedAt: 1 });
      await store.addConnection({ connectionId: 'tab-2', userId: reader.id, connectedAt: 1 });
      await service.readState.markRead(reader.id, room.id, lastSeq, 'tab-1');
      assert.deepEqual(
        broadcaster.take('tab-2').map((message) => message.type),
        ['read'],
      );
      await service.readState.markRead(reader.id, room.id, lastSeq, 'tab-1');
      await service.readState.markRead(reader.id, room.id, lastSeq - 1, 'tab-1');
      assert.deepEqual(broadcaster.take('tab-2'), []);
    } finally {
      await store.close();
    }
  });
});
