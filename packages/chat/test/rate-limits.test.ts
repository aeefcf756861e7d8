/**
 * The chat's rate limits as the service applies them, with the deployed
 * defaults, over the real SQLite store and the in-memory limiter, on a manual
 * clock: exact `retryAfterMs` values and refills without waiting. The attacks
 * (parallel guesses, spam, floods, every limit through real clients) are in
 * the abuse suite, test/abuse/, on every store.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PasswordHasher } from '../src/accounts/password.ts';
import { TokenService } from '../src/accounts/tokens.ts';
import { ChatService } from '../src/domain/chat-service.ts';
import { ChatError, type ChatErrorCode } from '../src/domain/errors.ts';
import { defaultRateLimits, parseRateLimits, resolveRateLimits } from '../src/domain/rate-limits.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from './manual-clock.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';
import { cheapPasswordCost } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-limits-'));
const store = SqliteChatStore.open(join(dir, 'chat.db'));
const clock = new ManualClock();
const chat = new ChatService({
  store,
  broadcaster: new RecordingBroadcaster(),
  tokens: new TokenService({ secret: randomBytes(32) }),
  clock,
  logger: { warn() {} },
  rateLimitStore: new MemoryRateLimitStore(),
  // Hashing is not what these tests are about; the claims before it are.
  passwords: new PasswordHasher(cheapPasswordCost),
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const password = 'correct horse battery';
let addresses = 0;
/** A client address no other test uses. */
const newClient = () => ({ address: `192.0.2.${++addresses}` });

async function refusal(promise: Promise<unknown>, code: ChatErrorCode = 'RATE_LIMITED'): Promise<ChatError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ChatError && error.code === code, String(error));
  return error;
}

async function member(): Promise<{ id: string; roomId: string }> {
  const session = await chat.accounts.guest(newClient());
  const roomId = (await chat.presence.hello(session.user.id)).rooms[0]!.id;
  return { id: session.user.id, roomId };
}

describe('rate limits', () => {
  it('lets a user send a burst of messages, then one per refill, with the wait in retryAfterMs', async () => {
    const { id, roomId } = await member();
    const { capacity, refillMs } = defaultRateLimits.message;
    const send = (n: number) => chat.messages.sendMessage(id, { roomId, text: `m${n}`, clientMessageId: `c${n}` });
    for (let i = 0; i < capacity; i++) await send(i);
    const refused = await refusal(send(capacity));
    assert.equal(refused.retryAfterMs, refillMs);
    assert.equal(refused.status, 429);
    // Refused means not stored: the same client message id is new after the wait.
    clock.advance(refillMs);
    assert.equal((await send(capacity)).duplicate, false);
    await refusal(send(capacity + 1));
  });

  it('limits room creation per user', async () => {
    const { id } = await member();
    const { capacity, refillMs } = defaultRateLimits.createRoom;
    for (let i = 0; i < capacity; i++) await chat.rooms.createRoom(id, `r-${randomUUID().slice(0, 8)}`);
    const refused = await refusal(chat.rooms.createRoom(id, `r-${randomUUID().slice(0, 8)}`));
    assert.equal(refused.retryAfterMs, refillMs);
    // A name that breaks the rules is refused for that, without spending a token.
    await refusal(chat.rooms.createRoom(id, '!'), 'INVALID_ROOM_NAME');
  });

  it('limits searches per user, after refusing a query without words for free', async () => {
    const { id, roomId } = await member();
    await refusal(chat.search.search(id, '!!'), 'BAD_REQUEST');
    for (let i = 0; i < defaultRateLimits.search.capacity; i++) await chat.search.search(id, 'plans', { roomId });
    assert.equal(
      (await refusal(chat.search.search(id, 'plans', { roomId }))).retryAfterMs,
      defaultRateLimits.search.refillMs,
    );
  });

  describe('log-in', () => {
    const { freeAttempts, baseDelayMs } = defaultRateLimits.logIn;

    it('backs off exponentially per username and address, and a success starts again', async () => {
      const name = `owner-${randomUUID().slice(0, 8)}`;
      await chat.accounts.register(name, password, newClient());
      const attacker = newClient();
      for (let i = 0; i < freeAttempts; i++) {
        await refusal(chat.accounts.logIn(name, `guess ${i}`, attacker), 'BAD_CREDENTIALS');
      }
      // The right password from the same address waits too: the count is of attempts, not failures.
      assert.equal((await refusal(chat.accounts.logIn(name, password, attacker))).retryAfterMs, baseDelayMs);
      clock.advance(baseDelayMs);
      await refusal(chat.accounts.logIn(name, 'guess again', attacker), 'BAD_CREDENTIALS');
      assert.equal((await refusal(chat.accounts.logIn(name, password, attacker))).retryAfterMs, 2 * baseDelayMs);
      clock.advance(2 * baseDelayMs);
      assert.equal((await chat.accounts.logIn(name, password, attacker)).user.username, name);
      // The success ended the backoff.
      for (let i = 0; i < freeAttempts; i++) {
        await refusal(chat.accounts.logIn(name, `guess ${i}`, attacker), 'BAD_CREDENTIALS');
      }
    });
  });

  it('checks operator settings and names the bad one', () => {
    assert.deepEqual(resolveRateLimits({ message: { capacity: 60 } }).message, { capacity: 60, refillMs: 500 });
    assert.throws(() => resolveRateLimits({ message: { capacity: 0 } }), /message\.capacity must be an integer/);
    assert.throws(() => resolveRateLimits({ messages: 5 } as never), /Unknown rate limit "messages"/);
    assert.throws(() => resolveRateLimits({ logIn: { delay: 5 } } as never), /Unknown field "delay"/);
    assert.throws(() => parseRateLimits('{', 'CHAT_RATE_LIMITS'), /CHAT_RATE_LIMITS is not JSON/);
    assert.throws(() => parseRateLimits('[]', 'CHAT_RATE_LIMITS'), /must be a JSON object/);
  });
});
