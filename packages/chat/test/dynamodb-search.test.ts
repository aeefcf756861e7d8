/**
 * The DynamoDB store's search index beyond the conformance suite: what the
 * indexer writes for sends, edits and deletes (as properties of its diff, and
 * as items in DynamoDB Local fed from the table's real stream), the per-message
 * word cap, and what a search returns when the index trails the table or a
 * word is too common to read to the end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import type { Room, User } from '../src/domain/types.ts';
import { DynamoDbChatStore } from '../src/store/dynamodb/dynamodb-chat-store.ts';
import type { MessageItem } from '../src/store/dynamodb/items.ts';
import { backfillSearchIndex } from '../src/store/dynamodb/search-backfill.ts';
import { searchIndexChanges, searchPartition } from '../src/store/dynamodb/search-index.ts';
import { SearchIndexer, searchIndexWrites, type TableStreamRecord } from '../src/store/dynamodb/search-indexer.ts';
import { dynamoDbChatStoreDefaults } from '../src/store/dynamodb/store-options.ts';
import { DynamoTable } from '../src/store/dynamodb/table.ts';
import { keys } from '../src/store/dynamodb/table-design.ts';
import { messageWords } from '../src/store/search-text.ts';
import { dynamoDbLocalEndpoint, localClient, localCredentials, newTable, stopDynamoDbLocal } from './dynamodb-local.ts';
import { TableStream } from './dynamodb-stream.ts';

after(stopDynamoDbLocal);

const cliPath = fileURLToPath(new URL('../src/search-backfill-main.ts', import.meta.url));

const message = (text: string, extra: Partial<MessageItem> = {}): MessageItem => ({
  id: 'm1',
  roomId: 'r1',
  seq: 7,
  authorId: 'u1',
  authorName: 'ada',
  text,
  createdAt: 1,
  ...extra,
});

/** The index keys of one message after applying `writes` to `index`. */
function apply(index: Set<string>, writes: ReturnType<typeof searchIndexChanges>): Set<string> {
  for (const write of writes) {
    if ('put' in write) index.add(write.put.sk);
    else index.delete(write.delete.sk);
  }
  return index;
}

const words = fc.array(fc.constantFrom('alpha', 'Beta', 'gamma', 'café', 'CAFE', 'δέλτα', '42', 'x', 'a-b', '!!'), {
  maxLength: 12,
});

let clock = 1_700_000_000_000;
const now = () => ++clock;

async function roomWithMember(store: DynamoDbChatStore): Promise<{ room: Room; user: User }> {
  const user = await store.createUser({
    id: randomUUID(),
    username: `u${randomUUID().slice(0, 8)}`,
    guest: false,
    createdAt: now(),
  });
  const room = await store.createRoom({
    id: randomUUID(),
    name: `r${randomUUID().slice(0, 8)}`,
    createdBy: user.id,
    createdAt: now(),
  });
  await store.addMember(room.id, user.id, now());
  return { room, user };
}

const send = (store: DynamoDbChatStore, room: Room, user: User, text: string) =>
  store.appendMessage({
    id: randomUUID(),
    roomId: room.id,
    authorId: user.id,
    authorName: user.username,
    text,
    clientMessageId: null,
    at: now(),
  });

describe('search index changes', () => {
  it('turn any text into any other: the index holds exactly the new text’s first words, each once', () => {
    fc.assert(
      fc.property(words, words, fc.integer({ min: 1, max: 6 }), (before, after, max) => {
        const options = { maxWordsPerMessage: max };
        const index = apply(new Set(), searchIndexChanges(undefined, message(before.join(' ')), options));
        apply(index, searchIndexChanges(message(before.join(' ')), message(after.join(' ')), options));
        const expected = messageWords(after.join(' '))
          .slice(0, max)
          .map((word) => keys.searchWord('r1', word, 7).sk);
        assert.deepEqual([...index].sort(), expected.sort());
      }),
    );
  });

  it('remove every word of a deleted or removed message, and write nothing when the text stays', () => {
    const sent = message('hello brave world');
    assert.equal(searchIndexChanges(undefined, sent).length, 3);
    const deleted = searchIndexChanges(sent, message('', { deletedAt: 2 }));
    assert.deepEqual(
      deleted.map((write) => 'delete' in write && write.delete.pk),
      Array(3).fill(searchPartition('r1')),
    );
    assert.equal(searchIndexChanges(sent, undefined).length, 3);
    assert.deepEqual(searchIndexChanges(sent, message('hello brave world', { authorName: 'former guest' })), []);
  });

  it('reduce a batch to each message’s first and last image, and skip other items', () => {
    const record = (name: string, keyOf: object, before?: object, after?: object): TableStreamRecord => ({
      eventName: name,
      dynamodb: {
        Keys: marshall(keyOf),
        ...(before && { OldImage: marshall(before) }),
        ...(after && { NewImage: marshall(after) }),
      },
    });
    const key = keys.message('r1', 7);
    const writes = searchIndexWrites([
      record('INSERT', key, undefined, { ...key, ...message('first draft') }),
      record('MODIFY', keys.room('r1'), { ...keys.room('r1'), lastSeq: 7 }, { ...keys.room('r1'), lastSeq: 8 }),
      record('MODIFY', key, { ...key, ...message('first draft') }, { ...key, ...message('final text') }),
      record('INSERT', keys.searchWord('r1', 'final', 7), undefined, { ...keys.searchWord('r1', 'final', 7) }),
    ]);
    assert.deepEqual(
      writes.map((write) => ('put' in write ? write.put.sk : `-${write.delete.sk}`)),
      ['final#0000000000000007', 'text#0000000000000007'],
    );
  });
});

describe('DynamoDB search index on DynamoDB Local', () => {
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let table: string;
  let stream: TableStream;
  let indexer: SearchIndexer;
  const catchUp = () => stream.drain((records) => indexer.index(records));

  before(async () => {
    table = await newTable();
    client = await localClient();
    doc = DynamoDBDocumentClient.from(client);
    stream = await TableStream.open(client, table);
    indexer = new SearchIndexer(doc, table, { maxWordsPerMessage: 4 });
  });

  after(() => {
    stream.close();
    client.destroy();
  });

  /** The words the index holds for a room. */
  async function indexedWords(roomId: string): Promise<string[]> {
    const items = await new DynamoTable(doc, table, dynamoDbChatStoreDefaults).query<{ sk: string }>({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': searchPartition(roomId) },
    });
    return items.map((item) => item.sk.slice(0, item.sk.indexOf('#')));
  }

  it('indexes the first words of a send, re-indexes an edit and forgets a delete', async () => {
    const store = new DynamoDbChatStore(doc, table);
    const { room, user } = await roomWithMember(store);
    const { message: sent } = await send(store, room, user, 'one two three four five');
    await catchUp();
    assert.deepEqual((await indexedWords(room.id)).sort(), ['four', 'one', 'three', 'two']);
    await store.editMessage(sent.id, 'two six', now());
    await catchUp();
    assert.deepEqual((await indexedWords(room.id)).sort(), ['six', 'two']);
    await store.deleteMessage(sent.id, now());
    await catchUp();
    assert.deepEqual(await indexedWords(room.id), []);
  });

  it('never shows what an edited message no longer says, before the indexer catches up', async () => {
    const store = new DynamoDbChatStore(doc, table);
    const { room, user } = await roomWithMember(store);
    const { message: sent } = await send(store, room, user, 'the launch is secret');
    await catchUp();
    await store.editMessage(sent.id, 'the launch is public', now());
    const search = (term: string) => store.searchMessages({ userId: user.id, terms: [term], limit: 10 });
    assert.deepEqual(await search('secret'), []);
    await store.deleteMessage(sent.id, now());
    assert.deepEqual(await search('launch'), []);
  });

  it('checks a word too common to read to the end against the text instead', async () => {
    const store = new DynamoDbChatStore(doc, table, { searchMatchesPerWord: 2 });
    const { room, user } = await roomWithMember(store);
    const sent = [];
    for (const extra of ['red', 'green', 'blue', 'green']) sent.push(await send(store, room, user, `common ${extra}`));
    await catchUp();
    const search = (...terms: string[]) => store.searchMessages({ userId: user.id, terms, limit: 10 });
    assert.deepEqual(
      (await search('common', 'green')).map((hit) => hit.message.id),
      [sent[3]!.message.id, sent[1]!.message.id],
    );
    // Every word too common: the room contributes the entries read, never a message without the words.
    const capped = await search('common');
    assert.equal(capped.length, 2);
    for (const hit of capped) assert.match(hit.message.text, /^common /);
  });
});

describe('search backfill', () => {
  it('indexes the messages the stream indexer never saw, the same when run twice, also from its command line', async () => {
    const table = await newTable();
    const client = await localClient();
    try {
      const doc = DynamoDBDocumentClient.from(client);
      const store = new DynamoDbChatStore(doc, table);
      const { room, user } = await roomWithMember(store);
      const sent = [];
      for (const text of ['older launch notes', 'the launch is friday', 'gone soon'])
        sent.push(await send(store, room, user, text));
      await store.deleteMessage(sent[2]!.message.id, now());
      const search = (term: string) => store.searchMessages({ userId: user.id, terms: [term], limit: 10 });
      assert.deepEqual(await search('launch'), [], 'nothing is indexed yet');

      const indexer = new SearchIndexer(doc, table);
      const first = await backfillSearchIndex(client, table, indexer, { pageSize: 7 });
      assert.equal(first.messages, 3);
      assert.equal(first.written, 7, 'the words of the two messages with text');
      assert.deepEqual(
        (await search('launch')).map((hit) => hit.message.id),
        [sent[1]!.message.id, sent[0]!.message.id],
      );

      const cli = spawnSync(process.execPath, ['--import', 'tsx', cliPath, '--table', table], {
        encoding: 'utf8',
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_DYNAMODB: await dynamoDbLocalEndpoint(),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
        },
        timeout: 120_000,
      });
      assert.equal(cli.status, 0, cli.stderr);
      assert.match(cli.stdout, /Indexed 3 messages \(7 index writes\)/);
      assert.equal((await search('friday')).length, 1);
      const wrong = spawnSync(process.execPath, ['--import', 'tsx', cliPath, '--tabel', table], { encoding: 'utf8' });
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /search:backfill: .*--tabel/);
    } finally {
      client.destroy();
    }
  });
});
