/**
 * The lookup broadcaster over a real SQLite store: who gets a room's frames,
 * bounded concurrency, and what happens to connections that answer 410 Gone.
 * The poster is the chat's own port, so tests give it a recording
 * implementation; the last test runs `managementPoster` over the real AWS SDK
 * against a real server.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiGatewayManagementApi } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ServerMessage } from '../src/api/protocol.ts';
import { type ConnectionPoster, isGone, managementPoster } from '../src/broadcast/connection-poster.ts';
import { PostingBroadcaster } from '../src/broadcast/posting-broadcaster.ts';
import { startChatServer } from '../src/server.ts';
import { SqliteChatStore } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ManualClock } from './manual-clock.ts';
import { cheapPasswordCost, relaxedRateLimits } from './test-settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'posting-broadcaster-'));
const store = SqliteChatStore.open(join(dir, 'chat.db'));
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pong: ServerMessage = { type: 'pong', now: 1, heads: [], since: 'c', hasMore: false };

class GoneError extends Error {
  override name = 'GoneException';
}

/** Records posts; ids in `gone` answer GoneException, ids in `failing` another error. */
class RecordingPoster implements ConnectionPoster {
  readonly posts: Array<[string, string]> = [];
  readonly gone = new Set<string>();
  readonly failing = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;

  async post(connectionId: string, data: string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    if (this.gone.has(connectionId)) throw new GoneError('gone');
    if (this.failing.has(connectionId)) throw new Error('buffer full');
    this.posts.push([connectionId, data]);
  }

  async close(): Promise<void> {}
}

/** A room with `members` users, each with `perUser` connections recorded at `connectedAt`. */
async function roomWith(members: number, perUser: number, connectedAt: number) {
  const room = await store.createRoom({
    id: randomUUID(),
    name: `r-${randomUUID().slice(0, 8)}`,
    createdBy: null,
    createdAt: 0,
  });
  const connections: string[] = [];
  for (let i = 0; i < members; i++) {
    const user = await store.createUser({
      id: randomUUID(),
      username: `u-${randomUUID().slice(0, 12)}`,
      guest: true,
      createdAt: 0,
    });
    await store.addMember(room.id, user.id, 0);
    for (let j = 0; j < perUser; j++) {
      const connectionId = randomUUID();
      await store.addConnection({ connectionId, userId: user.id, connectedAt });
      connections.push(connectionId);
    }
  }
  return { roomId: room.id, connections };
}

describe('PostingBroadcaster', () => {
  describe('#publishToRoom', () => {
    it('posts one encoded frame to every member connection but the excluded one, and to no one else', async () => {
      const poster = new RecordingPoster();
      const broadcaster = new PostingBroadcaster({ store, poster });
      const { roomId, connections } = await roomWith(3, 2, 0);
      const outsider = await roomWith(1, 1, 0);
      await broadcaster.publishToRoom(roomId, pong, { exceptConnectionId: connections[0] });
      assert.deepEqual(poster.posts.map(([id]) => id).sort(), connections.slice(1).sort());
      assert.ok(poster.posts.every(([, data]) => data === JSON.stringify(pong)));
      assert.ok(!poster.posts.some(([id]) => id === outsider.connections[0]));
    });

    it('keeps at most `concurrency` posts in flight', async () => {
      const poster = new RecordingPoster();
      const broadcaster = new PostingBroadcaster({ store, poster, concurrency: 3 });
      const { roomId, connections } = await roomWith(10, 1, 0);
      await broadcaster.publishToRoom(roomId, pong);
      assert.equal(poster.posts.length, connections.length);
      assert.equal(poster.maxInFlight, 3);
    });

    it('forgets connections that answer GoneException, except ones still within the connect grace', async () => {
      const clock = new ManualClock(100_000);
      const poster = new RecordingPoster();
      const warnings: object[] = [];
      const broadcaster = new PostingBroadcaster({
        store,
        poster,
        clock,
        connectGraceMs: 30_000,
        logger: { warn: (details) => warnings.push(details) },
      });
      const old = await roomWith(3, 1, clock.now() - 60_000);
      const [goneOld, failing, healthy] = old.connections as [string, string, string];
      const young = randomUUID();
      const member = (await store.getConnection(healthy))!.userId;
      await store.addConnection({ connectionId: young, userId: member, connectedAt: clock.now() - 1_000 });
      poster.gone.add(goneOld).add(young);
      poster.failing.add(failing);

      await broadcaster.publishToRoom(old.roomId, pong);
      assert.deepEqual(
        poster.posts.map(([id]) => id),
        [healthy],
      );
      assert.equal(await store.getConnection(goneOld), undefined, 'an old gone connection is forgotten');
      assert.ok(await store.getConnection(young), 'a connection in its handshake is kept');
      assert.ok(await store.getConnection(failing), 'other failures do not forget the connection');
      assert.equal(warnings.length, 1);
    });
  });

  describe('#sendToConnection', () => {
    it('posts the frame, and hands an old gone connection to onGone', async () => {
      const poster = new RecordingPoster();
      const forgotten: string[] = [];
      const broadcaster = new PostingBroadcaster({
        store,
        poster,
        onGone: async (id) => void forgotten.push(id),
      });
      const { connections } = await roomWith(1, 2, 0);
      await broadcaster.sendToConnection(connections[0]!, pong);
      assert.deepEqual(poster.posts, [[connections[0], JSON.stringify(pong)]]);
      poster.gone.add(connections[1]!);
      await broadcaster.sendToConnection(connections[1]!, pong);
      assert.deepEqual(forgotten, [connections[1]]);
    });
  });

  it('rejects a concurrency that is not a positive integer', () => {
    const poster = new RecordingPoster();
    assert.throws(() => new PostingBroadcaster({ store, poster, concurrency: 0 }), TypeError);
  });
});

describe('managementPoster', () => {
  it('posts through the real AWS SDK client, whose 410 isGone recognises', async () => {
    const chat = await startChatServer({
      port: 0,
      dataDir: join(dir, 'server'),
      logger: false,
      webRoot: dir,
      rateLimits: relaxedRateLimits,
      passwordCost: cheapPasswordCost,
    });
    const client = new ApiGatewayManagementApi({
      endpoint: chat.managementUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const poster = managementPoster(client);
      await assert.rejects(poster.post('ZXYNmteYj6J5NtA=', '{}'), (error: unknown) => {
        assert.ok(isGone(error), String(error));
        return true;
      });
    } finally {
      client.destroy();
      await chat.close();
    }
  });
});
