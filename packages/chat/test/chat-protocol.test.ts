/**
 * The chat's WebSocket protocol (docs/protocol.md) end to end: real `ws` clients
 * through the real gateway started by `startChatServer`, on a SQLite file in a
 * temp dir. Negative assertions ("C never receives X") are made after a `ping`
 * round trip on C, which proves every frame written to C before it has arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import Database from 'better-sqlite3';
import { CHAT_STAGE } from '../src/api/definition.ts';
import { ChatErrorCode } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Session } from '../src/domain/types.ts';
import { type ChatServer, startChatServer } from '../src/server.ts';
import { DATABASE_FILE } from '../src/store/sqlite/sqlite-chat-store.ts';
import { ChatClient, type Frame, postJson, register, uniqueName, upgradeStatus } from './chat-test-client.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'chat-protocol-'));
let chat: ChatServer;
const clients: ChatClient[] = [];

before(async () => {
  chat = await startChatServer({ port: 0, dataDir, logger: false, webRoot: join(dataDir, 'no-web') });
});

after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await chat.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function connect(session: Session): Promise<ChatClient> {
  const client = await ChatClient.connect(chat.webSocketUrl, session.token);
  clients.push(client);
  return client;
}

/** A registered user with one connection that has said hello. */
async function user(): Promise<{ session: Session; client: ChatClient; welcome: Frame }> {
  const session = await register(chat.url);
  const client = await connect(session);
  const welcome = await client.ok({ action: 'hello' });
  return { session, client, welcome };
}

/** A fresh public room that `owner` created and every other user joined. */
async function sharedRoom(owner: ChatClient, ...others: ChatClient[]): Promise<string> {
  const { room } = await owner.ok({ action: 'createRoom', name: uniqueName('room') });
  for (const other of others) await other.ok({ action: 'joinRoom', roomId: room.id });
  return room.id as string;
}

const send = (client: ChatClient, roomId: string, text: string, clientMessageId: string = randomUUID()) =>
  client.request({ action: 'sendMessage', roomId, text, clientMessageId });

/** Asserts an `error` frame with the code, the registry's message (unless given) and the request's action. */
function assertError(frame: Frame, code: keyof typeof ChatErrorCode, action: string, message?: string): void {
  assert.equal(frame.type, 'error', JSON.stringify(frame));
  assert.equal(frame.code, code, JSON.stringify(frame));
  assert.equal(frame.action, action);
  assert.equal(typeof frame.requestId, 'string');
  assert.equal(frame.message, message ?? ChatErrorCode[code].message);
}

describe('chat protocol over the gateway', () => {
  describe('two users chatting in a room', () => {
    it('delivers each message to the other member and acks the sender with the stored id and seq', async () => {
      const ada = await user();
      const bob = await user();
      assert.equal(ada.welcome.type, 'welcome');
      assert.deepEqual(ada.welcome.limits, {
        messageMaxLength: ChatLimits.messageMaxLength,
        typingIntervalMs: ChatLimits.typingIntervalMs,
        typingTtlMs: ChatLimits.typingTtlMs,
        historyMaxLimit: ChatLimits.historyMaxLimit,
      });
      assert.ok(ada.welcome.rooms.some((room: Frame) => room.name === 'general'));

      const roomId = await sharedRoom(ada.client, bob.client);
      const joined = await ada.client.waitFor((f) => f.type === 'memberJoined' && f.roomId === roomId);
      assert.equal(joined.user.id, bob.session.user.id);

      const ack = await send(ada.client, roomId, '  Ship it on Tuesday?  ', 'cmid-1');
      assert.equal(ack.type, 'ack');
      assert.equal(ack.clientMessageId, 'cmid-1');
      assert.equal(ack.duplicate, false);
      assert.equal(ack.message.text, 'Ship it on Tuesday?');
      assert.equal(ack.message.authorId, ada.session.user.id);
      assert.equal(ack.message.authorName, ada.session.user.username);
      assert.equal(typeof ack.message.createdAt, 'number');

      const received = await bob.client.waitFor((f) => f.type === 'message' && f.roomId === roomId);
      assert.deepEqual(received.message, ack.message);
      assert.equal(received.seq, ack.message.seq);

      const reply = await send(bob.client, roomId, 'Tuesday works');
      assert.equal(reply.message.seq, ack.message.seq + 1);
      await ada.client.waitFor((f) => f.type === 'message' && f.message.id === reply.message.id);

      // The sender's own connection gets the ack, not the event.
      await ada.client.sync();
      assert.equal(ada.client.all((f) => f.type === 'message' && f.message.id === ack.message.id).length, 0);

      const history = await bob.client.ok({ action: 'history', roomId });
      assert.deepEqual(
        history.messages.map((m: Frame) => m.text),
        ['Ship it on Tuesday?', 'Tuesday works'],
      );
      assert.equal(history.hasMore, false);

      const unread = await bob.client.ok({ action: 'listRooms' });
      const summary = unread.joined.find((room: Frame) => room.id === roomId);
      assert.equal(summary.unread, 1);
      const read = await bob.client.ok({ action: 'markRead', roomId, seq: reply.message.seq });
      assert.deepEqual([read.type, read.unread, read.lastReadSeq], ['read', 0, reply.message.seq]);
    });
  });

  describe('direct messages', () => {
    it('a third user can neither read, list, receive nor search a DM, whatever it sends', async () => {
      const ada = await user();
      const bob = await user();
      const eve = await user();
      const opened = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
      const dmId = opened.room.id as string;
      assert.equal(opened.room.kind, 'direct');
      assert.equal(opened.room.peer.id, bob.session.user.id);
      const peerSide = await bob.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === dmId);
      assert.equal(peerSide.room.peer.id, ada.session.user.id);

      const ack = await send(ada.client, dmId, 'the secret pineapple plan');
      await bob.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);

      const attempts: Array<[Frame, keyof typeof ChatErrorCode]> = [
        [{ action: 'history', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'members', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'joinRoom', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'leaveRoom', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'sendMessage', roomId: dmId, text: 'let me in', clientMessageId: 'x' }, 'ROOM_NOT_FOUND'],
        [{ action: 'markRead', roomId: dmId, seq: 1 }, 'ROOM_NOT_FOUND'],
        [{ action: 'typing', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'search', query: 'pineapple', roomId: dmId }, 'ROOM_NOT_FOUND'],
        [{ action: 'editMessage', messageId: ack.message.id, text: 'mine now' }, 'MESSAGE_NOT_FOUND'],
        [{ action: 'deleteMessage', messageId: ack.message.id }, 'MESSAGE_NOT_FOUND'],
      ];
      for (const [frame, code] of attempts) assertError(await eve.client.request(frame), code, frame.action);

      const catchUp = await eve.client.ok({ action: 'catchUp', rooms: [{ roomId: dmId, lastSeq: 0 }] });
      assert.deepEqual([catchUp.rooms, catchUp.notMember], [[], [dmId]]);
      const search = await eve.client.ok({ action: 'search', query: 'pineapple' });
      assert.deepEqual(search.results, []);
      const rooms = await eve.client.ok({ action: 'listRooms' });
      assert.ok(!rooms.joined.some((room: Frame) => room.id === dmId));
      assert.ok(!rooms.directory.some((room: Frame) => room.id === dmId));
      const hello = await eve.client.ok({ action: 'hello' });
      assert.ok(!hello.rooms.some((room: Frame) => room.id === dmId));
      // Eve's own DM with Ada is another conversation.
      const own = await eve.client.ok({ action: 'openDirect', userId: ada.session.user.id });
      assert.notEqual(own.room.id, dmId);

      // Traffic in the DM after all that still never reaches Eve.
      const second = await send(bob.client, dmId, 'pineapple again');
      await ada.client.waitFor((f) => f.type === 'message' && f.message.id === second.message.id);
      await eve.client.sync();
      assert.deepEqual(
        // Eve's own answers (with her requestIds) aside, nothing about the DM reached her.
        eve.client.frames.filter(
          (f) => f.requestId === undefined && (JSON.stringify(f).includes('pineapple') || f.roomId === dmId),
        ),
        [],
      );
      const viaHttp = await postJson(
        `${chat.url}/api/search`,
        { query: 'pineapple' },
        { authorization: `Bearer ${eve.session.token}` },
      );
      assert.deepEqual([viaHttp.status, viaHttp.body.results], [200, []]);
    });
  });

  describe('presence', () => {
    it('counts a user with three tabs as one person online, offline only when the last tab closes', async () => {
      const watcher = await user();
      const session = await register(chat.url);
      const roomId = watcher.welcome.rooms.find((room: Frame) => room.name === 'general').id as string;
      const isPresence = (online: boolean) => (f: Frame) =>
        f.type === 'presence' && f.user.id === session.user.id && f.roomId === roomId && f.online === online;

      const tabs = [await connect(session), await connect(session), await connect(session)];
      await watcher.client.waitFor(isPresence(true), 'online presence');
      const online = await watcher.client.ok({ action: 'online' });
      assert.equal(online.users.filter((u: Frame) => u.id === session.user.id).length, 1);
      const members = await tabs[2]!.ok({ action: 'members', roomId });
      assert.equal(members.members.find((m: Frame) => m.user.id === session.user.id).online, true);

      await tabs[0]!.close();
      await tabs[1]!.close();
      const stillOnline = await watcher.client.ok({ action: 'online' });
      assert.ok(stillOnline.users.some((u: Frame) => u.id === session.user.id));
      await tabs[2]!.close();
      await watcher.client.waitFor(isPresence(false), 'offline presence');
      const offline = await watcher.client.ok({ action: 'online' });
      assert.ok(!offline.users.some((u: Frame) => u.id === session.user.id));

      await watcher.client.sync();
      assert.equal(watcher.client.all(isPresence(true)).length, 1);
      assert.equal(watcher.client.all(isPresence(false)).length, 1);
    });
  });

  describe('typing', () => {
    it('relays typing with the documented TTL, at most once per interval, and never stores it', async () => {
      const ada = await user();
      const bob = await user();
      const roomId = await sharedRoom(ada.client, bob.client);
      const isTyping = (f: Frame) => f.type === 'typing' && f.roomId === roomId && f.user.id === ada.session.user.id;

      ada.client.send({ action: 'typing', roomId });
      ada.client.send({ action: 'typing', roomId });
      ada.client.send({ action: 'typing', roomId });
      const typing = await bob.client.waitFor(isTyping, 'typing');
      assert.equal(typing.ttlMs, ChatLimits.typingTtlMs);
      assert.equal(typing.user.username, ada.session.user.username);

      const ack = await send(ada.client, roomId, 'done typing');
      await bob.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
      await bob.client.sync();
      assert.equal(bob.client.all(isTyping).length, 1, 'frames within the interval are dropped');
      // Typing is not an answerable action: the sender got nothing back for it.
      assert.equal(ada.client.all((f) => f.type === 'typing').length, 0);

      // Once the interval has passed, typing is relayed again.
      const deadline = Date.now() + ChatLimits.typingIntervalMs * 5;
      while (bob.client.all(isTyping).length < 2 && Date.now() < deadline) {
        ada.client.send({ action: 'typing', roomId });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(bob.client.all(isTyping).length, 2);

      const history = await bob.client.ok({ action: 'history', roomId });
      assert.deepEqual(
        history.messages.map((m: Frame) => m.text),
        ['done typing'],
      );
    });
  });

  describe('edits and deletes', () => {
    it('lets authors edit and delete only their own messages and tells the room', async () => {
      const ada = await user();
      const bob = await user();
      const roomId = await sharedRoom(ada.client, bob.client);
      const { message } = await send(ada.client, roomId, 'Ship it on Tuesday?');

      assertError(
        await bob.client.request({ action: 'editMessage', messageId: message.id, text: 'hijacked' }),
        'NOT_YOUR_MESSAGE',
        'editMessage',
      );
      assertError(
        await bob.client.request({ action: 'deleteMessage', messageId: message.id }),
        'NOT_YOUR_MESSAGE',
        'deleteMessage',
      );

      const edited = await ada.client.ok({ action: 'editMessage', messageId: message.id, text: 'Wednesday?' });
      assert.equal(edited.type, 'messageEdited');
      assert.equal(edited.message.text, 'Wednesday?');
      assert.equal(edited.message.seq, message.seq);
      assert.ok(edited.seq > message.seq);
      const seenEdit = await bob.client.waitFor((f) => f.type === 'messageEdited' && f.message.id === message.id);
      assert.equal(seenEdit.message.text, 'Wednesday?');
      assert.equal(seenEdit.requestId, undefined);

      const deleted = await ada.client.ok({ action: 'deleteMessage', messageId: message.id });
      assert.equal(deleted.type, 'messageDeleted');
      assert.equal(deleted.message.text, '');
      assert.equal(typeof deleted.message.deletedAt, 'number');
      await bob.client.waitFor((f) => f.type === 'messageDeleted' && f.message.id === message.id);

      assertError(
        await ada.client.request({ action: 'editMessage', messageId: message.id, text: 'again' }),
        'MESSAGE_DELETED',
        'editMessage',
      );
      assertError(
        await ada.client.request({ action: 'deleteMessage', messageId: message.id }),
        'MESSAGE_DELETED',
        'deleteMessage',
      );
      const history = await bob.client.ok({ action: 'history', roomId });
      const tombstone = history.messages.find((m: Frame) => m.id === message.id);
      assert.deepEqual([tombstone.text, typeof tombstone.deletedAt], ['', 'number']);
    });
  });

  describe('idempotent retry', () => {
    it('answers a retried clientMessageId with the same id and seq and broadcasts it once', async () => {
      const ada = await user();
      const bob = await user();
      const roomId = await sharedRoom(ada.client, bob.client);
      const first = await send(ada.client, roomId, 'only once', 'retry-1');
      const retry = await send(ada.client, roomId, 'only once', 'retry-1');
      assert.equal(first.duplicate, false);
      assert.equal(retry.duplicate, true);
      assert.deepEqual(retry.message, first.message);

      // Two copies in flight at once (a client that resent before the ack) also store one message.
      const [a, b] = await Promise.all([
        send(ada.client, roomId, 'racing', 'retry-2'),
        send(ada.client, roomId, 'racing', 'retry-2'),
      ]);
      assert.equal(a.message.id, b.message.id);
      assert.equal(a.message.seq, b.message.seq);
      assert.deepEqual([a.duplicate, b.duplicate].sort(), [false, true]);

      const last = await send(ada.client, roomId, 'marker');
      await bob.client.waitFor((f) => f.type === 'message' && f.message.id === last.message.id);
      await bob.client.sync();
      assert.equal(bob.client.all((f) => f.type === 'message' && f.message.id === first.message.id).length, 1);
      assert.equal(bob.client.all((f) => f.type === 'message' && f.message.id === a.message.id).length, 1);
      const history = await bob.client.ok({ action: 'history', roomId });
      assert.deepEqual(
        history.messages.map((m: Frame) => m.text),
        ['only once', 'racing', 'marker'],
      );
    });
  });

  describe('reconnect and catch-up', () => {
    it('gives a client cut off by DeleteConnection every missed message, in order, without gaps or duplicates', async () => {
      const ada = await user();
      const bob = await user();
      const roomId = await sharedRoom(ada.client, bob.client);
      const warmup = await send(ada.client, roomId, 'before the cut');
      const seen = await bob.client.waitFor((f) => f.type === 'message' && f.message.id === warmup.message.id);
      const lastSeq = seen.seq as number;

      // Bob's connection id, as the gateway reports it in its error frames.
      bob.client.send('not json');
      const gatewayFrame = await bob.client.waitFor((f) => f.message === 'Invalid request body');
      const management = new ApiGatewayManagementApiClient({
        endpoint: `${chat.url}/${CHAT_STAGE}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });

      // Ada keeps sending while Bob is cut off and comes back.
      const total = 40;
      const acks: Frame[] = [];
      const sending = (async () => {
        for (let i = 0; i < total; i++) acks.push(await send(ada.client, roomId, `flow ${i}`));
      })();
      await ada.client.waitFor((f) => f.type === 'ack' && f.message.text === 'flow 5');
      await management.send(new DeleteConnectionCommand({ ConnectionId: gatewayFrame.connectionId }));
      management.destroy();
      await new Promise((resolve) => bob.client.socket.once('close', resolve));

      const back = await connect(bob.session);
      await back.ok({ action: 'hello' });
      const applied: number[] = [];
      let last = lastSeq;
      const apply = (event: Frame) => {
        if (event.seq <= last) return;
        assert.equal(event.seq, last + 1, `gap after ${last}`);
        applied.push(event.seq);
        last = event.seq;
      };
      let more = true;
      while (more) {
        const answer = await back.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: last }] });
        const room = answer.rooms[0];
        const seqs = room.events.map((e: Frame) => e.seq);
        assert.deepEqual(
          seqs,
          seqs.map((_: number, i: number) => last + 1 + i),
          'catch-up events are consecutive from lastSeq',
        );
        for (const event of room.events) apply(event);
        more = room.hasMore;
      }
      await sending;
      const finalSeq = acks.at(-1)!.message.seq as number;
      // Live events after the reconnect fill in whatever the catch-up answer did not yet hold.
      await back.waitFor((f) => f.type === 'message' && f.seq === finalSeq).catch(() => undefined);
      for (const event of back.all((f) => f.type === 'message' && f.roomId === roomId).sort((x, y) => x.seq - y.seq))
        apply(event);
      if (last < finalSeq) {
        const answer = await back.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: last }] });
        for (const event of answer.rooms[0].events) apply(event);
      }

      const expected = acks.map((ack) => ack.message.seq as number).filter((seq) => seq > lastSeq);
      assert.deepEqual(applied, expected);
      assert.deepEqual(
        expected,
        Array.from({ length: total }, (_, i) => lastSeq + 1 + i),
      );
    });
  });

  describe('search', () => {
    it('finds messages only in rooms the searcher can read, with highlighted snippets', async () => {
      const ada = await user();
      const bob = await user();
      const eve = await user();
      const roomId = await sharedRoom(ada.client, bob.client);
      await send(ada.client, roomId, 'Deploying the zeppelin on Friday');
      const found = await bob.client.ok({ action: 'search', query: 'zeppel fri' });
      assert.equal(found.type, 'searchResults');
      assert.equal(found.results.length, 1);
      const [hit] = found.results;
      assert.equal(hit.roomId, roomId);
      assert.equal(hit.roomKind, 'room');
      const highlighted = hit.snippet.highlights.map(([s, e]: [number, number]) => hit.snippet.text.slice(s, e));
      assert.deepEqual(highlighted.map((w: string) => w.toLowerCase()).sort(), ['friday', 'zeppelin']);

      assert.deepEqual((await eve.client.ok({ action: 'search', query: 'zeppelin' })).results, []);
      assertError(await eve.client.request({ action: 'search', query: 'zeppelin', roomId }), 'NOT_A_MEMBER', 'search');
      assertError(
        await eve.client.request({ action: 'search', query: '!!!' }),
        'BAD_REQUEST',
        'search',
        'Search for at least one word.',
      );
      await bob.client.ok({ action: 'leaveRoom', roomId });
      assert.deepEqual((await bob.client.ok({ action: 'search', query: 'zeppelin' })).results, []);
    });
  });

  describe('error frames', () => {
    it('answers every rule the chat checks with the documented error frame', async () => {
      const ada = await user();
      const bob = await user();
      const cat = await user();
      const roomId = await sharedRoom(ada.client, cat.client);
      const { message } = await send(ada.client, roomId, 'hello');
      const dm = await ada.client.ok({ action: 'openDirect', userId: bob.session.user.id });
      const cases: Array<[ChatClient, Frame, keyof typeof ChatErrorCode, string?]> = [
        [
          ada.client,
          { action: 'openDirect', userId: ada.session.user.id },
          'BAD_REQUEST',
          'A direct conversation needs another user.',
        ],
        [ada.client, { action: 'createRoom', name: 'x' }, 'INVALID_ROOM_NAME'],
        [
          bob.client,
          {
            action: 'createRoom',
            name: (await ada.client.ok({ action: 'listRooms' })).joined.find((r: Frame) => r.id === roomId).name,
          },
          'ROOM_NAME_TAKEN',
        ],
        [ada.client, { action: 'joinRoom', roomId: randomUUID() }, 'ROOM_NOT_FOUND'],
        [bob.client, { action: 'history', roomId }, 'NOT_A_MEMBER'],
        [ada.client, { action: 'leaveRoom', roomId: dm.room.id }, 'DIRECT_CONVERSATION'],
        [ada.client, { action: 'openDirect', username: uniqueName('nobody') }, 'USER_NOT_FOUND'],
        [ada.client, { action: 'deleteMessage', messageId: randomUUID() }, 'MESSAGE_NOT_FOUND'],
        [cat.client, { action: 'editMessage', messageId: message.id, text: 'nope' }, 'NOT_YOUR_MESSAGE'],
        [
          ada.client,
          { action: 'sendMessage', roomId, text: 'x'.repeat(ChatLimits.messageMaxLength + 1), clientMessageId: 'long' },
          'MESSAGE_TOO_LONG',
        ],
        [ada.client, { action: 'sendMessage', roomId, text: ' \n\t ', clientMessageId: 'empty' }, 'EMPTY_MESSAGE'],
      ];
      const seen = new Set<string>();
      for (const [client, frame, code, text] of cases) {
        assertError(await client.request(frame), code, frame.action, text);
        seen.add(code);
      }
      await ada.client.ok({ action: 'deleteMessage', messageId: message.id });
      assertError(
        await ada.client.request({ action: 'editMessage', messageId: message.id, text: 'back' }),
        'MESSAGE_DELETED',
        'editMessage',
      );
      seen.add('MESSAGE_DELETED');
      // An unknown action is a typed BAD_REQUEST too (the `$default` route).
      const unknown = await ada.client.request({ action: 'teleport' });
      assert.deepEqual(unknown, {
        type: 'error',
        requestId: unknown.requestId,
        code: 'BAD_REQUEST',
        message: 'Unknown action "teleport".',
      });
      // Every code except the account codes (chat-http.test.ts), UNAUTHENTICATED (a 401 on the
      // upgrade, below), STORE_UNAVAILABLE (next test), SEARCH_NOT_ENABLED (stores without a
      // search index; SQLite has one) and INTERNAL (a fault, not a rule).
      const elsewhere = [
        'INVALID_USERNAME',
        'INVALID_PASSWORD',
        'USERNAME_TAKEN',
        'BAD_CREDENTIALS',
        'RATE_LIMITED',
        'UNAUTHENTICATED',
        'STORE_UNAVAILABLE',
        'SEARCH_NOT_ENABLED',
        'INTERNAL',
      ];
      assert.deepEqual(
        [...seen].sort(),
        Object.keys(ChatErrorCode)
          .filter((code) => !elsewhere.includes(code))
          .sort(),
      );
    });

    it('answers a send that cannot be stored with STORE_UNAVAILABLE and no ack; the retry then succeeds', async () => {
      const ada = await user();
      const roomId = await sharedRoom(ada.client);
      // Another writer holds the database's write lock for longer than the store waits (busy timeout).
      const holder = new Database(join(dataDir, DATABASE_FILE));
      holder.exec('BEGIN IMMEDIATE');
      let answer: Frame;
      try {
        answer = await send(ada.client, roomId, 'will it stick?', 'unstored');
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      assertError(answer, 'STORE_UNAVAILABLE', 'sendMessage');
      assert.equal(ada.client.all((f) => f.type === 'ack' && f.clientMessageId === 'unstored').length, 0);
      const retry = await send(ada.client, roomId, 'will it stick?', 'unstored');
      assert.deepEqual([retry.type, retry.duplicate], ['ack', false]);
    });
  });

  describe('gateway answers', () => {
    const gatewayFrame = /^\{"message": "Invalid request body", "connectionId":"[^"]+", "requestId":"[^"]+"\}$/;

    it('answers malformed frames with the gateway’s exact Invalid request body frame', async () => {
      const { client } = await user();
      const malformed = [
        'not json',
        '[1,2,3]',
        '"hello"',
        JSON.stringify({ text: 'no action' }),
        JSON.stringify({ action: 42 }),
        JSON.stringify({ action: 'sendMessage', roomId: 'r' }),
        JSON.stringify({ action: 'sendMessage', roomId: 'r', text: 5, clientMessageId: 'c' }),
        JSON.stringify({ action: 'hello', extra: true }),
        JSON.stringify({ action: 'history', roomId: 'r', limit: 1000 }),
        JSON.stringify({ action: 'openDirect', userId: 'a', username: 'b' }),
      ];
      for (const frame of malformed) client.send(frame);
      await client.sync();
      assert.equal(client.raw.length, 0);
      const answers = client.frames.filter((f) => f.message === 'Invalid request body');
      assert.equal(answers.length, malformed.length);
      // Byte for byte: re-serialise in the gateway's spacing and compare with the spec's template.
      for (const answer of answers) {
        const text = `{"message": "${answer.message}", "connectionId":"${answer.connectionId}", "requestId":"${answer.requestId}"}`;
        assert.match(text, gatewayFrame);
        assert.deepEqual(Object.keys(answer), ['message', 'connectionId', 'requestId']);
      }
      assert.equal(client.frames.filter((f) => f.type === 'error').length, 0);
    });

    it('refuses connections without a valid token with 401', async () => {
      const session = await register(chat.url);
      assert.equal(await upgradeStatus(chat.webSocketUrl), 401);
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=`), 401);
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=not-a-jwt`), 401);
      const [header, payload] = session.token.split('.');
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=${header}.${payload}.forged`), 401);
      assert.equal(await upgradeStatus(`${chat.webSocketUrl}?token=${session.token}`), 101);
    });
  });
});
