/**
 * Page cursors (domain/cursor.ts): what a cursor encodes decodes to the same
 * position, and anything else a client sends is a clear `BAD_REQUEST`, never
 * another error. Property tests over arbitrary positions and arbitrary text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Cursor, decodeCursor, encodeCursor } from '../src/domain/cursor.ts';
import { ChatError } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';

const key = fc.string({ unit: 'binary', maxLength: 64 });
const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const cursors: fc.Arbitrary<Cursor> = fc.oneof(
  fc.record({ list: fc.constant('members' as const), username: key, id: key }, { noNullPrototype: true }),
  fc.record({ list: fc.constant('online' as const), username: key, id: key }, { noNullPrototype: true }),
  fc.record({ list: fc.constant('joined' as const), after: key, only: fc.boolean() }, { noNullPrototype: true }),
  fc.record({ list: fc.constant('directory' as const), after: key }, { noNullPrototype: true }),
  fc.record({ list: fc.constant('heads' as const), from: time, after: key, to: time }, { noNullPrototype: true }),
);
const lists = ['members', 'online', 'joined', 'directory', 'heads'] as const;

describe('page cursors', () => {
  it('decode to the position they encode', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        const text = encodeCursor(cursor);
        assert.deepEqual(decodeCursor(text, cursor.list), cursor);
        assert.match(text, /^[A-Za-z0-9_-]+$/);
      }),
    );
  });

  it('refuse a cursor of another listing', () => {
    fc.assert(
      fc.property(cursors, fc.constantFrom(...lists), (cursor, other) => {
        fc.pre(cursor.list !== other);
        assert.throws(() => decodeCursor(encodeCursor(cursor), other), { name: 'ChatError', code: 'BAD_REQUEST' });
      }),
    );
  });

  it('fit the request models for the longest keys the server puts in them', () => {
    const longest = encodeCursor({ list: 'members', username: 'u'.repeat(24), id: 'i'.repeat(128) });
    assert.ok(longest.length <= ChatLimits.cursorMaxLength);
  });

  it('answer anything else with BAD_REQUEST and nothing worse', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      fc.base64String({ maxLength: 600 }),
      fc.json().map((json) => Buffer.from(json).toString('base64url')),
    );
    fc.assert(
      fc.property(texts, fc.constantFrom(...lists), (text, list) => {
        try {
          assert.equal(decodeCursor(text, list).list, list);
        } catch (error) {
          assert.ok(error instanceof ChatError && error.code === 'BAD_REQUEST', String(error));
        }
      }),
    );
  });
});
