/**
 * The thread use cases' rules that the protocol suite cannot reach through a
 * socket: what a reply broadcasts, and that a reply stays stored and answered
 * when following its thread fails afterwards. Over the real SQLite store, with
 * the recording broadcaster standing in for the gateway's channels.
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
import { ChatError } from '../src/domain/errors.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { MemoryRateLimitStore } from '../src/store/memory/memory-rate-limit-store.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from './manual-clock.ts';
import { RecordingBroadcaster } from './recording-broadcaster.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'thread-service-'));
const sqlite = SqliteChatStore.open(join(dir, 'chat.db'));
/** Following a thread fails while this is set; everything else works. */
let followFails = false;
const store = new Proxy(sqlite, {
  get(target, property) {
    if (property === 'markThreadRead' && followFails) {
      return () => Promise.reject(new ChatError('STORE_UNAVAILABLE'));
    }
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as ChatStore;
const broadcaster = new RecordingBroadcaster();
const warnings: object[] = [];
const chat = new ChatService({
  store,
  broadcaster,
  tokens: new TokenService({ secret: randomBytes(32) }),
  clock: new ManualClock(),
  logger: { warn: (details) => warnings.push(details) },
  rateLimitStore: new MemoryRateLimitStore(),
  rateLimits: relaxedRateLimits,
  passwords: new PasswordHasher(cheapPasswordCost),
});

after(async () => {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

async function member(roomId?: string) {
  const session = await chat.accounts.register(`u-${randomUUID().slice(0, 8)}`, 'correct horse battery', {
    address: '192.0.2.1',
  });
  const { userId, sessionId } = await chat.accounts.verifyToken(session.token);
  const conn = randomUUID();
  await chat.presence.connect(conn, { userId, sessionId });
  if (roomId) await chat.rooms.joinRoom(userId, roomId, conn);
  return { id: userId, conn };
}

describe('ThreadService', () => {
  it('broadcasts a reply as its message event, then its root’s threadUpdated, to all but the replier', async () => {
    const ada = await member();
    const roomId = (await chat.rooms.createRoom(ada.id, `r-${randomUUID().slice(0, 8)}`, ada.conn)).id;
    const bob = await member(roomId);
    const { message: root } = await chat.messages.sendMessage(ada.id, { roomId, text: 'root', clientMessageId: 'r' });
    broadcaster.take(ada.conn);
    broadcaster.take(bob.conn);

    const {
      message,
      root: counted,
      duplicate,
    } = await chat.threads.reply(
      bob.id,
      { rootId: root.id, text: '  a reply\r\n ', clientMessageId: 'c-1', alsoToRoom: true },
      bob.conn,
    );
    assert.deepEqual(
      [duplicate, message.text, message.alsoToRoom, counted.thread?.replyCount],
      [false, 'a reply', true, 1],
    );
    assert.deepEqual(broadcaster.take(ada.conn), [
      { type: 'message', roomId, seq: message.seq, at: message.createdAt, message },
      { type: 'threadUpdated', roomId, seq: message.seq + 1, at: message.createdAt, message: counted },
    ]);
    assert.deepEqual(broadcaster.take(bob.conn), []);
    // Both follow the thread: the replier read up to the reply, the root's author up to the root.
    assert.equal(await store.getThreadRead(bob.id, counted), message.seq);
    assert.equal(await store.getThreadRead(ada.id, counted), root.seq);
  });

  it('answers a reply that is stored when following its thread fails, and logs the failure', async () => {
    const ada = await member();
    const roomId = (await chat.rooms.createRoom(ada.id, `r-${randomUUID().slice(0, 8)}`, ada.conn)).id;
    const { message: root } = await chat.messages.sendMessage(ada.id, { roomId, text: 'root', clientMessageId: 'r' });
    followFails = true;
    try {
      const { message, duplicate } = await chat.threads.reply(ada.id, {
        rootId: root.id,
        text: 'kept',
        clientMessageId: 'k',
      });
      assert.equal(duplicate, false);
      assert.equal((await store.getMessage(message.id))?.text, 'kept');
      assert.ok(warnings.some((warning) => 'rootId' in warning && warning.rootId === root.id));
    } finally {
      followFails = false;
    }
    assert.equal(await store.getThreadRead(ada.id, root), undefined);
    // The next read follows it.
    const read = await chat.threads.markThreadRead(ada.id, root.id, Number.MAX_SAFE_INTEGER);
    assert.equal(read.lastReadSeq, (await store.getMessage(root.id))?.thread?.lastReplySeq);
  });
});
