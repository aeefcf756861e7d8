/**
 * The heartbeat over a real socket on each store (docs/protocol.md, "ping"): a
 * message written to the store without a broadcast (what a lost publish leaves
 * behind) is named in the next `pong` of every member, who catches it up with
 * `catchUp`; nothing else is sent in the room. Also the cursor's rules and the
 * frame bound (room ids of the longest length a request may name, so that the
 * frame, not the count, cuts the page).
 *
 * @example
 * runHeartbeatSuite('SQLite', async () => ({ store, fanOut: 'channels', close: () => store.close() }));
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Room, User } from '../src/domain/types.ts';
import type { ChatStore } from '../src/ports/chat-store.ts';
import { type ChatOnStore, startChatOnStore } from './chat-on-store.ts';
import { ChatClient, type Frame } from './chat-test-client.ts';
import { appendMessages } from './store-fixtures.ts';

export interface HeartbeatStore {
  store: ChatStore;
  /** How the deployment of this store broadcasts. */
  fanOut: 'channels' | 'posting';
  /**
   * Run the test that puts a user in more rooms than one `pong` holds (about
   * 3,000 sequenced writes). @default true
   */
  manyRooms?: boolean;
  close(): Promise<void>;
}

export function runHeartbeatSuite(name: string, open: () => Promise<HeartbeatStore>): void {
  describe(`heartbeat: ${name}`, () => {
    let opened: HeartbeatStore;
    let store: ChatStore;
    let chat: ChatOnStore;
    const sockets: ChatClient[] = [];

    before(async () => {
      opened = await open();
      store = opened.store;
      chat = await startChatOnStore(store, opened.fanOut);
    });
    after(async () => {
      await Promise.all(sockets.map((socket) => socket.close()));
      await chat?.close();
      await opened?.close();
    });

    const newUser = (): Promise<User> =>
      store.createUser({
        id: randomUUID(),
        username: `u${randomUUID().slice(0, 12)}`,
        guest: false,
        createdAt: Date.now(),
      });
    const newRoom = (): Promise<Room> =>
      store.createRoom({
        id: randomUUID(),
        name: `r${randomUUID().slice(0, 12)}`,
        createdBy: null,
        createdAt: Date.now(),
      });
    const connect = async (user: User): Promise<{ client: ChatClient; welcome: Frame }> => {
      const client = await ChatClient.connect(chat.webSocketUrl, await chat.tokenFor(user));
      sockets.push(client);
      return { client, welcome: await client.ok({ action: 'hello' }) };
    };

    it('names a room whose message was never broadcast in the next pong, and catchUp brings the message', async () => {
      const [alice, bob] = [await newUser(), await newUser()];
      const room = await newRoom();
      await store.addMember(room.id, alice.id, Date.now());
      await store.addMember(room.id, bob.id, Date.now());
      const { client, welcome } = await connect(bob);
      assert.equal(typeof welcome.pingSince, 'string');
      assert.equal(welcome.limits.heartbeatIntervalMs, 25_000);
      const held = welcome.rooms.find((entry: Frame) => entry.id === room.id).lastSeq as number;

      // Stored, acknowledged to nobody's socket: a publish that was lost.
      await appendMessages(store, room, alice, 1, () => 'lost on the way');
      const pong = await client.ok({ action: 'ping', since: welcome.pingSince });
      assert.equal(pong.type, 'pong');
      assert.equal(pong.hasMore, false);
      assert.equal(typeof pong.since, 'string');
      assert.deepEqual(pong.heads, [{ roomId: room.id, seq: held + 1 }]);
      assert.equal(client.all((frame) => frame.type === 'message').length, 0, 'no broadcast reached the socket');

      const caught = await client.ok({ action: 'catchUp', rooms: [{ roomId: room.id, lastSeq: held }] });
      assert.deepEqual(
        caught.rooms[0].events.map((event: Frame) => [event.seq, event.message.text]),
        [[held + 1, 'lost on the way']],
      );
    });

    it('names each room the user is in, never another user’s, and a quiet round names none', async () => {
      const [alice, carol] = [await newUser(), await newUser()];
      const [mine, theirs] = [await newRoom(), await newRoom()];
      await store.addMember(mine.id, alice.id, Date.now());
      await store.addMember(theirs.id, carol.id, Date.now());
      const { client } = await connect(alice);
      const first = await client.ok({ action: 'ping' });
      assert.deepEqual(first.heads, [], 'a ping without since only starts the rounds');
      await appendMessages(store, theirs, carol, 1);
      await appendMessages(store, mine, alice, 1);
      const pong = await client.ok({ action: 'ping', since: first.since });
      assert.deepEqual(
        pong.heads.map((head: Frame) => head.roomId),
        [mine.id],
      );
      // The rounds look back a little (docs/protocol.md), so a head may come twice; it never goes back.
      const next = await client.ok({ action: 'ping', since: pong.since });
      for (const head of next.heads) assert.deepEqual(head, pong.heads[0]);
    });

    it('pages the heads of more rooms than one frame holds: each once, in order, every frame within 128 KB', async (t) => {
      if (opened.manyRooms === false) {
        t.skip('the store takes too long for this many sequenced writes; its paging is in the conformance suite');
        return;
      }
      const user = await newUser();
      const { client } = await connect(user);
      const sizes: number[] = [];
      client.socket.on('message', (data: Buffer) => sizes.push(data.length));
      const { since } = await client.ok({ action: 'ping' });
      const roomIds: string[] = [];
      for (let i = 0; i <= ChatLimits.headsPageSize; i++) {
        // The longest id a request may name (the models allow 128 characters).
        const id = `${randomUUID()}${'x'.repeat(128)}`.slice(0, 128);
        await store.createRoom({ id, name: `r${randomUUID().slice(0, 12)}`, createdBy: null, createdAt: Date.now() });
        await store.addMember(id, user.id, Date.now());
        roomIds.push(id);
      }
      const heads: Frame[] = [];
      let pages = 0;
      for (let next = since, hasMore = true; hasMore; pages++) {
        const pong = await client.ok({ action: 'ping', since: next });
        heads.push(...pong.heads);
        next = pong.since;
        hasMore = pong.hasMore;
      }
      assert.ok(pages > 1, 'the heads do not fit one frame');
      assert.ok(Math.max(...sizes) <= ChatLimits.answerMaxBytes, `a frame of ${Math.max(...sizes)} bytes`);
      assert.deepEqual(
        heads.map((head) => head.roomId),
        [...roomIds].sort(),
      );
    });

    it('answers a cursor that is not a pong’s with BAD_REQUEST (its rate limit is in the abuse suite)', async () => {
      const { client } = await connect(await newUser());
      const members = Buffer.from('["members","a","b"]').toString('base64url');
      for (const since of [members, 'not a cursor', Buffer.from('["heads",-1,"",0]').toString('base64url')]) {
        const refused = await client.request({ action: 'ping', since });
        assert.equal(refused.type, 'error');
        assert.equal(refused.code, 'BAD_REQUEST');
        assert.equal(refused.action, 'ping');
      }
    });
  });
}
