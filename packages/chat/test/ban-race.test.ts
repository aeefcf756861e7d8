/**
 * A ban and a join of the same user racing: each writes, then checks the other's
 * write, so however their steps interleave the user ends up banned and not a
 * member. The store is the real SQLite store; a hook runs one whole action at
 * the moment the other is about to write, the two interleavings that matter.
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
import type { ChatStore } from '../src/ports/chat-store.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'ban-race-'));
const sqlite = SqliteChatStore.open(join(dir, 'chat.db'));
after(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `run` once, just before the next call of the store's `method`. */
let hook: { method: keyof ChatStore; run: () => Promise<unknown> } | undefined;
const store = new Proxy(sqlite, {
  get(target, name) {
    const value = Reflect.get(target, name, target);
    if (typeof value !== 'function') return value;
    return async (...args: unknown[]) => {
      const pending = hook;
      if (pending?.method === name) {
        hook = undefined;
        await pending.run();
      }
      return value.apply(target, args);
    };
  },
});
const chat = new ChatService({
  store,
  broadcaster: new RecordingBroadcaster(),
  tokens: new TokenService({ secret: randomBytes(32) }),
  logger: { warn() {} },
  rateLimitStore: new MemoryRateLimitStore(),
  rateLimits: relaxedRateLimits,
  passwords: new PasswordHasher(cheapPasswordCost),
});

async function ownerAndOutsider() {
  const register = (name: string) =>
    chat.accounts.register(`${name}${randomUUID().slice(0, 8)}`, 'correct horse battery', { address: '192.0.2.1' });
  const [owner, outsider] = await Promise.all([register('owner'), register('outsider')]);
  const room = await chat.rooms.createRoom(owner.user.id, `race${randomUUID().slice(0, 8)}`);
  return { ownerId: owner.user.id, outsiderId: outsider.user.id, roomId: room.id };
}

describe('a ban racing a join', () => {
  it('the ban written between the join’s check and its write: the join undoes itself, refused', async () => {
    const { ownerId, outsiderId, roomId } = await ownerAndOutsider();
    let banned: { removed: boolean } | undefined;
    hook = {
      method: 'addMember',
      run: async () => (banned = await chat.moderation.ban(ownerId, roomId, { userId: outsiderId })),
    };
    await assert.rejects(chat.rooms.joinRoom(outsiderId, roomId), { code: 'BANNED_FROM_ROOM' });
    assert.equal(banned?.removed, false);
    assert.equal(await sqlite.getMembership(roomId, outsiderId), undefined);
    assert.equal(await sqlite.isBannedFromRoom(roomId, outsiderId), true);
  });

  it('the join written between the ban’s check and its write: the ban removes the new member', async () => {
    const { ownerId, outsiderId, roomId } = await ownerAndOutsider();
    hook = { method: 'banFromRoom', run: () => chat.rooms.joinRoom(outsiderId, roomId) };
    const result = await chat.moderation.ban(ownerId, roomId, { userId: outsiderId });
    assert.equal(result.removed, true);
    assert.equal(await sqlite.getMembership(roomId, outsiderId), undefined);
    assert.equal(await sqlite.isBannedFromRoom(roomId, outsiderId), true);
  });
});
