import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatError, ChatErrorCode, isChatError, toChatError } from '../src/domain/errors.ts';

describe('ChatError', () => {
  it('carries the code, the registry message and status, and serialises without the stack', () => {
    const error = new ChatError('RATE_LIMITED', undefined, { retryAfterMs: 1500 });
    assert.equal(error.code, 'RATE_LIMITED');
    assert.equal(error.status, 429);
    assert.equal(error.message, ChatErrorCode.RATE_LIMITED.message);
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      code: 'RATE_LIMITED',
      message: ChatErrorCode.RATE_LIMITED.message,
      retryAfterMs: 1500,
    });
    assert.deepEqual(new ChatError('NOT_A_MEMBER', 'Join first.').toJSON(), {
      code: 'NOT_A_MEMBER',
      message: 'Join first.',
    });
  });

  it('gives every code a client or server HTTP status and a message', () => {
    for (const [code, { status, message }] of Object.entries(ChatErrorCode)) {
      assert.match(code, /^[A-Z_]+$/);
      assert.ok(status >= 400 && status < 600, code);
      assert.ok(message.length > 0, code);
    }
  });

  it('wraps unknown faults as INTERNAL with the cause kept', () => {
    const cause = new Error('boom');
    const wrapped = toChatError(cause);
    assert.equal(wrapped.code, 'INTERNAL');
    assert.equal(wrapped.cause, cause);
    const known = new ChatError('ROOM_NOT_FOUND');
    assert.equal(toChatError(known), known);
    assert.ok(isChatError(known, 'ROOM_NOT_FOUND'));
    assert.ok(!isChatError(known, 'NOT_A_MEMBER'));
    assert.ok(!isChatError(cause));
  });
});
