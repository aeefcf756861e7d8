/**
 * The OpenSearch search engine's requests (the AWS deployment's opt-in
 * `searchEngine=opensearch`): the `_bulk` body the indexer sends for a batch of
 * stream records, and the query the search sends. No OpenSearch runs here; the
 * CDK app's synth tests check the collection, its policies and the grants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { MessageItem } from '../src/store/dynamodb/items.ts';
import { messageChanges, type TableStreamRecord } from '../src/store/dynamodb/search-indexer.ts';
import { keys } from '../src/store/dynamodb/table-design.ts';
import { bulkRequest, MESSAGES_INDEX } from '../src/store/opensearch/message-documents.ts';
import { candidateQuery } from '../src/store/opensearch/opensearch-candidates.ts';

const message = (seq: number, text: string, extra: Partial<MessageItem> = {}): MessageItem => ({
  id: `m${seq}`,
  roomId: 'r1',
  seq,
  authorId: 'u1',
  authorName: 'ada',
  text,
  createdAt: 1000 + seq,
  ...extra,
});

const record = (before: MessageItem | undefined, after: MessageItem | undefined): TableStreamRecord => {
  const { roomId, seq } = (after ?? before)!;
  const key = keys.message(roomId, seq);
  return {
    eventName: before ? (after ? 'MODIFY' : 'REMOVE') : 'INSERT',
    dynamodb: {
      Keys: marshall(key),
      ...(before && { OldImage: marshall({ ...key, ...before }) }),
      ...(after && { NewImage: marshall({ ...key, ...after }) }),
    },
  };
};

const lines = (body: string) =>
  body
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('OpenSearch documents', () => {
  it('index a message as it ended the batch, by room and sequence, with its folded words and no text', () => {
    const body = bulkRequest(
      messageChanges([
        record(undefined, message(1, 'Café draft')),
        record(message(1, 'Café draft'), message(1, 'Café final')),
      ]),
    );
    assert.ok(body.endsWith('\n'), 'NDJSON ends with a newline');
    assert.deepEqual(lines(body), [
      { index: { _index: MESSAGES_INDEX, _id: 'r1#1' } },
      { roomId: 'r1', seq: 1, createdAt: 1001, words: ['cafe', 'final'] },
    ]);
  });

  it('delete a deleted or removed message, and send nothing for an unchanged text or an unknown item', () => {
    const sent = message(2, 'hello');
    assert.deepEqual(lines(bulkRequest(messageChanges([record(sent, message(2, '', { deletedAt: 5 }))]))), [
      { delete: { _index: MESSAGES_INDEX, _id: 'r1#2' } },
    ]);
    assert.deepEqual(lines(bulkRequest(messageChanges([record(sent, undefined)]))), [
      { delete: { _index: MESSAGES_INDEX, _id: 'r1#2' } },
    ]);
    assert.equal(bulkRequest(messageChanges([record(sent, { ...sent, authorName: 'former guest' })])), '');
    assert.equal(
      bulkRequest(
        messageChanges([{ dynamodb: { Keys: marshall(keys.room('r1')), NewImage: marshall({ lastSeq: 3 }) } }]),
      ),
      '',
    );
  });

  it('query only the rooms given, every word as a prefix filter, newest first', () => {
    assert.deepEqual(candidateQuery(['r1', 'r2'], ['tues', 'launch'], 30), {
      size: 30,
      _source: ['roomId', 'seq', 'createdAt'],
      sort: [{ createdAt: 'desc' }, { roomId: 'asc' }, { seq: 'desc' }],
      query: {
        bool: {
          filter: [{ terms: { roomId: ['r1', 'r2'] } }, { prefix: { words: 'tues' } }, { prefix: { words: 'launch' } }],
        },
      },
    });
  });
});
