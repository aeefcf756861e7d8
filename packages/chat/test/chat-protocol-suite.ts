/**
 * The chat's WebSocket protocol (docs/protocol.md) end to end, for any deployment:
 * real `ws` clients through the real gateway of one or more running servers.
 * chat-protocol.test.ts runs it on SQLite in-process; chat-protocol-dynamodb.test.ts
 * on DynamoDB Local and Redis with two nodes in child processes, configured from
 * the environment the container stack gives its tasks. Clients are spread over the nodes in turn, so with two nodes every
 * conversation crosses nodes. Negative assertions ("C never receives X") are made
 * after a `ping` round trip on C, which proves every frame written to C before it
 * has arrived.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it as nodeIt } from 'node:test';
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ILL_FORMED_STRING } from '../src/api/well-formed.ts';
import { ChatErrorCode } from '../src/domain/errors.ts';
import { ChatLimits } from '../src/domain/limits.ts';
import type { Session } from '../src/domain/types.ts';
import { ChatClient, type Frame, postJson, register, uniqueName, upgradeStatus, WAIT_MS } from './chat-test-client.ts';

/**
 * One test's limit, well under the runner's limit for a whole file: a test that
 * hangs fails by its own name and the rest of the suite still runs, instead of
 * the file being killed with nothing to say which part hung. Generous, because in
 * a full run DynamoDB Local (one JVM for every file) has made a long test of the
 * two-node deployment take over a minute.
 */
const TEST_TIMEOUT_MS = 240_000;

/** `it` with the suite's per-test limit. */
function it(name: string, fn: () => Promise<void>): void {
  nodeIt(name, { timeout: TEST_TIMEOUT_MS }, fn);
}

/** Where one running chat server answers. */
export interface ChatNode {
  url: string;
  webSocketUrl: string;
  managementUrl: string;
}

/** A running deployment under test. */
export interface ChatDeployment {
  /** At least one; clients connect to them in turn, HTTP calls go to the first. */
  nodes: readonly ChatNode[];
  /**
   * Resolves once every message written so far is searchable: DynamoDB's word
   * index is written from the table's stream (on AWS by the indexer function).
   * @default nothing to wait for (SQLite and PostgreSQL index in the write)
   */
  searchIndexed?(): Promise<void>;
  /** Makes the store refuse writes until the returned function is called. */
  storeOutage(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A room's entry in the directory, read page by page (every test's rooms are in it). */
async function findInDirectory(client: ChatClient, name: string): Promise<Frame> {
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const answer = await client.ok({ action: 'listRooms', ...(cursor && { cursor }) });
    const found = answer.directory.find((room: Frame) => room.name === name);
    if (found) return found;
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  throw new Error(`${name} is not in the directory`);
}

/**
 * Registers the protocol suite under `title`; `setUp` starts the deployment (the
 * servers must lift the rate limits: `relaxedRateLimits`).
 *
 * @example
 * describeChatProtocol('on SQLite', async () => ({ nodes: [await startChatServer(...)], ... }));
 */
export function describeChatProtocol(title: string, setUp: () => Promise<ChatDeployment>): void {
  let deployment: ChatDeployment;
  let turn = 0;
  const clients: ChatClient[] = [];
  /** The first node: HTTP calls and gateway checks. */
  const chat = {
    get url() {
      return deployment.nodes[0]!.url;
    },
    get webSocketUrl() {
      return deployment.nodes[0]!.webSocketUrl;
    },
    get managementUrl() {
      return deployment.nodes[0]!.managementUrl;
    },
  };

  /** Sends a search once the index has caught up with the messages written before it. */
  async function search(client: ChatClient, frame: Frame): Promise<Frame> {
    await deployment.searchIndexed?.();
    return client.ok(frame);
  }

  async function connect(session: Session): Promise<ChatClient> {
    const node = deployment.nodes[turn++ % deployment.nodes.length]!;
    const client = await ChatClient.connect(node.webSocketUrl, session.token);
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

  describe(title, () => {
    before(
      async () => {
        deployment = await setUp();
      },
      { timeout: TEST_TIMEOUT_MS },
    );

    after(
      async () => {
        await Promise.all(clients.map((client) => client.close()));
        await deployment?.close();
      },
      { timeout: TEST_TIMEOUT_MS },
    );

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
          heartbeatIntervalMs: 25_000,
          // Whether this deployment takes files, and which: test/files/ checks both cases.
          files: ada.welcome.limits.files,
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

      it('refuses a frame holding a lone surrogate, and stores an escaped pair as the one character it acked', async () => {
        const ada = await user();
        const roomId = await sharedRoom(ada.client);
        const raw = (text: string, requestId: string) => {
          ada.client.send(
            `{"action":"sendMessage","roomId":"${roomId}","text":"${text}","clientMessageId":"${requestId}","requestId":"${requestId}"}`,
          );
          return ada.client.waitFor((frame) => frame.requestId === requestId, requestId);
        };
        assertError(await raw('lone \\ud800', 'lone'), 'BAD_REQUEST', 'sendMessage', ILL_FORMED_STRING);
        const ack = await raw('smile \\ud83d\\ude00', 'pair');
        assert.equal(ack.message.text, 'smile 😀');
        const history = await ada.client.ok({ action: 'history', roomId });
        assert.deepEqual(
          history.messages.map((m: Frame) => m.text),
          ['smile 😀'],
        );
      });

      it('marks a room unread from a message on: the marker moves back, every device hears it, reading moves it on', async () => {
        const ada = await user();
        const bob = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const bobElsewhere = await connect(bob.session);
        const seqs: number[] = [];
        for (const text of ['one', `two @${bob.session.user.username}`, 'three']) {
          seqs.push((await send(ada.client, roomId, text)).message.seq);
        }
        const [, second = 0, third = 0] = seqs;
        await bob.client.ok({ action: 'markRead', roomId, seq: third });

        const unread = await bob.client.ok({ action: 'markUnread', roomId, seq: second });
        assert.deepEqual([unread.type, unread.lastReadSeq, unread.unread, unread.mentions], ['read', second - 1, 2, 1]);
        const heard = await bobElsewhere.waitFor((f) => f.type === 'read' && f.lastReadSeq === second - 1);
        assert.equal(heard.unread, 2);
        const summary = (await bob.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);
        assert.deepEqual([summary.unread, summary.lastReadSeq], [2, second - 1]);
        // Never forward: a later message leaves the marker where it is.
        assert.equal((await bob.client.ok({ action: 'markUnread', roomId, seq: third })).lastReadSeq, second - 1);
        assert.equal((await bob.client.ok({ action: 'markRead', roomId, seq: third })).unread, 0);

        const eve = await user();
        assertError(await eve.client.request({ action: 'markUnread', roomId, seq: 1 }), 'NOT_A_MEMBER', 'markUnread');
        // The model takes a message's seq, from 1: the gateway refuses the rest as API Gateway would.
        bob.client.send({ action: 'markUnread', roomId, seq: 0 });
        await bob.client.waitFor((f) => f.message === 'Invalid request body');
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
        assert.deepEqual((await search(eve.client, { action: 'search', query: 'pineapple' })).results, []);
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

    describe('group direct messages', () => {
      it('three people open one conversation, idempotently, talk in it, and an outsider reads nothing of it', async () => {
        const [ada, bob, cat, eve] = [await user(), await user(), await user(), await user()];
        const ids = [bob.session.user.id, cat.session.user.id];
        const opened = await ada.client.ok({ action: 'openGroup', userIds: ids });
        const groupId = opened.room.id as string;
        assert.deepEqual([opened.room.kind, opened.room.peer], ['direct', null]);
        assert.deepEqual(opened.room.members.map((member: Frame) => member.id).sort(), [...ids].sort());
        for (const member of [bob, cat]) {
          await member.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === groupId);
        }
        const again = await cat.client.ok({ action: 'openGroup', userIds: [ada.session.user.id, bob.session.user.id] });
        assert.equal(again.room.id, groupId);

        const ack = await send(bob.client, groupId, 'the secret quince plan');
        for (const member of [ada, cat]) {
          await member.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
        }
        const found = await search(cat.client, { action: 'search', query: 'quince' });
        assert.deepEqual(
          found.results.map((result: Frame) => [result.roomId, result.roomName]),
          [[groupId, [ada.session.user.username, bob.session.user.username].sort().join(', ')]],
        );

        for (const frame of [
          { action: 'history', roomId: groupId },
          { action: 'members', roomId: groupId },
          { action: 'sendMessage', roomId: groupId, text: 'let me in', clientMessageId: 'x' },
        ]) {
          assertError(await eve.client.request(frame), 'ROOM_NOT_FOUND', frame.action);
        }
        assertError(
          await eve.client.request({ action: 'addReaction', messageId: ack.message.id, emoji: '👍' }),
          'MESSAGE_NOT_FOUND',
          'addReaction',
        );
        const catchUp = await eve.client.ok({ action: 'catchUp', rooms: [{ roomId: groupId, lastSeq: 0 }] });
        assert.deepEqual([catchUp.rooms, catchUp.notMember], [[], [groupId]]);
        assert.deepEqual((await search(eve.client, { action: 'search', query: 'quince' })).results, []);
        await eve.client.sync();
        assert.deepEqual(
          eve.client.frames.filter((f) => f.requestId === undefined && JSON.stringify(f).includes(groupId)),
          [],
        );

        const lookup = await eve.client.ok({ action: 'findUsers', query: cat.session.user.username });
        assert.deepEqual(lookup.users, [cat.session.user]);
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
        const seen = JSON.stringify(
          watcher.client.all((f) => f.type === 'presence' && f.user.id === session.user.id).map((f) => f.online),
        );
        assert.equal(watcher.client.all(isPresence(true)).length, 1, seen);
        assert.equal(watcher.client.all(isPresence(false)).length, 1, seen);
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

    describe('reactions', () => {
      const react = (client: ChatClient, messageId: string, emoji: string, add = true) =>
        client.request({ action: add ? 'addReaction' : 'removeReaction', messageId, emoji });
      const reactor = (session: Session) => ({ id: session.user.id, username: session.user.username });

      it('shows a reaction to everyone in the room at once, idempotently, and catch-up restores it exactly', async () => {
        const ada = await user();
        const bob = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message } = await send(ada.client, roomId, 'Ship it?');
        await bob.client.waitFor((f) => f.type === 'message' && f.message.id === message.id);
        const before = (await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: 0 }] })).rooms[0].lastSeq;

        const added = await react(bob.client, message.id, '👍');
        assert.equal(added.type, 'messageReacted');
        assert.equal(added.seq, before + 1);
        assert.deepEqual(added.message.reactions, [{ emoji: '👍', users: [reactor(bob.session)] }]);
        const seen = await ada.client.waitFor((f) => f.type === 'messageReacted' && f.seq === added.seq);
        assert.deepEqual(seen.message, added.message);
        assert.equal(seen.requestId, undefined);

        // A repeat changes nothing and tells nobody.
        const repeat = await react(bob.client, message.id, '👍');
        assert.deepEqual(repeat, {
          type: 'reactionUnchanged',
          requestId: repeat.requestId,
          roomId,
          messageId: message.id,
          emoji: '👍',
        });
        // The text form of ❤ is the same reaction as the emoji ❤️.
        const heart = await react(ada.client, message.id, '\u2764');
        assert.deepEqual(heart.message.reactions.at(-1), { emoji: '\u2764\uFE0F', users: [reactor(ada.session)] });
        assert.equal((await react(ada.client, message.id, '\u2764\uFE0F')).type, 'reactionUnchanged');
        const removed = await react(bob.client, message.id, '👍', false);
        assert.deepEqual(removed.message.reactions, [{ emoji: '\u2764\uFE0F', users: [reactor(ada.session)] }]);
        assert.equal((await react(bob.client, message.id, '👍', false)).type, 'reactionUnchanged');
        await ada.client.waitFor((f) => f.type === 'messageReacted' && f.seq === removed.seq);
        await ada.client.sync();
        assert.deepEqual(
          ada.client.all((f) => f.type === 'messageReacted' && f.requestId === undefined).map((f) => f.seq),
          [added.seq, removed.seq],
        );

        // History and catch-up from before the first reaction end in the same state.
        const history = await bob.client.ok({ action: 'history', roomId });
        assert.deepEqual(history.messages.at(-1).reactions, removed.message.reactions);
        const replay = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: before }] });
        assert.deepEqual(
          replay.rooms[0].events.map((event: Frame) => [event.type, event.seq]),
          [
            ['messageReacted', added.seq],
            ['messageReacted', heart.seq],
            ['messageReacted', removed.seq],
          ],
        );
        assert.deepEqual(replay.rooms[0].events.at(-1).message.reactions, removed.message.reactions);
      });

      it('refuses outsiders, non-members, members who left, bad emoji, deleted messages and too many emoji', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message } = await send(ada.client, roomId, 'react to me');
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        const { message: secret } = await send(ada.client, dm.room.id, 'just us');

        // A direct conversation of others, a public room never joined, a room left: no such message.
        assertError(await react(eve.client, secret.id, '👍'), 'MESSAGE_NOT_FOUND', 'addReaction');
        assertError(await react(eve.client, message.id, '👍'), 'MESSAGE_NOT_FOUND', 'addReaction');
        assertError(await react(eve.client, message.id, '👍', false), 'MESSAGE_NOT_FOUND', 'removeReaction');
        await react(bob.client, message.id, '👀');
        await bob.client.ok({ action: 'leaveRoom', roomId });
        assertError(await react(bob.client, message.id, '👀', false), 'MESSAGE_NOT_FOUND', 'removeReaction');
        assertError(await react(bob.client, message.id, '🎉'), 'MESSAGE_NOT_FOUND', 'addReaction');
        assertError(await react(ada.client, randomUUID(), '🎉'), 'MESSAGE_NOT_FOUND', 'addReaction');

        for (const emoji of ['a', ':+1:', '👍👍', '👍 ', '1', '#', '\u200D', '\uFE0F', '\u{1F1E6}', '👍'.repeat(17)]) {
          assertError(await react(ada.client, message.id, emoji), 'INVALID_EMOJI', 'addReaction');
        }

        const full = [...'😀😁😂😃😄😅😆😇😈😉😊😋😌😍😎😏😐😑😒'];
        for (const emoji of full) await ada.client.ok({ action: 'addReaction', messageId: message.id, emoji });
        assertError(
          await react(ada.client, message.id, '🙈'),
          'TOO_MANY_REACTIONS',
          'addReaction',
          `A message takes at most ${ChatLimits.reactionEmojiMaxPerMessage} different emoji.`,
        );

        await ada.client.ok({ action: 'deleteMessage', messageId: message.id });
        assertError(await react(ada.client, message.id, '👍'), 'MESSAGE_DELETED', 'addReaction');
        assertError(await react(ada.client, message.id, '😀', false), 'MESSAGE_DELETED', 'removeReaction');
        const history = await ada.client.ok({ action: 'history', roomId });
        assert.deepEqual(history.messages.find((m: Frame) => m.id === message.id).reactions, []);
      });
    });

    describe('room topic', () => {
      it('lets the owner set the topic, shows it to members live and in summaries, and catch-up restores it', async () => {
        const ada = await user();
        const bob = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const joined = (await bob.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);
        assert.deepEqual([joined.topic, joined.ownerId], [null, ada.session.user.id]);
        const before = joined.lastSeq as number;

        const set = await ada.client.ok({ action: 'setTopic', roomId, topic: '  Release\nplanning  ' });
        assert.deepEqual(
          [set.type, set.topic, set.user.id, set.seq],
          ['topicChanged', 'Release planning', ada.session.user.id, before + 1],
        );
        const seen = await bob.client.waitFor((f) => f.type === 'topicChanged' && f.seq === set.seq);
        assert.equal(seen.topic, 'Release planning');
        const again = await ada.client.ok({ action: 'setTopic', roomId, topic: 'Release planning' });
        assert.deepEqual(again, {
          type: 'topicUnchanged',
          requestId: again.requestId,
          roomId,
          topic: 'Release planning',
        });
        const cleared = await ada.client.ok({ action: 'setTopic', roomId, topic: '   ' });
        assert.equal(cleared.topic, null);
        await ada.client.ok({ action: 'setTopic', roomId, topic: 'Ship on Tuesday' });

        const welcome = await bob.client.ok({ action: 'hello' });
        assert.equal(welcome.rooms.find((room: Frame) => room.id === roomId).topic, 'Ship on Tuesday');
        const name = joined.name as string;
        const listed = await findInDirectory(bob.client, name);
        assert.deepEqual([listed.name, listed.topic], [name, 'Ship on Tuesday']);
        const replay = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: before }] });
        assert.deepEqual(
          replay.rooms[0].events.map((event: Frame) => [event.type, event.topic]),
          [
            ['topicChanged', 'Release planning'],
            ['topicChanged', null],
            ['topicChanged', 'Ship on Tuesday'],
          ],
        );
      });

      it('refuses outsiders, non-members, members who are not the owner, an owner who left, and bad topics', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        const setTopic = (client: ChatClient, room: string, topic = 'mine now') =>
          client.request({ action: 'setTopic', roomId: room, topic });

        assertError(await setTopic(eve.client, dm.room.id), 'ROOM_NOT_FOUND', 'setTopic');
        assertError(
          await setTopic(ada.client, dm.room.id),
          'DIRECT_CONVERSATION',
          'setTopic',
          'Direct conversations have no topic.',
        );
        assertError(await setTopic(eve.client, roomId), 'NOT_A_MEMBER', 'setTopic');
        assertError(await setTopic(bob.client, roomId), 'NOT_ROOM_MODERATOR', 'setTopic');
        const general = ada.welcome.rooms.find((room: Frame) => room.name === 'general').id as string;
        assertError(await setTopic(ada.client, general), 'NOT_ROOM_MODERATOR', 'setTopic');
        assertError(
          await setTopic(ada.client, roomId, 'x'.repeat(ChatLimits.topicMaxLength + 1)),
          'TOPIC_TOO_LONG',
          'setTopic',
        );
        assertError(
          await setTopic(ada.client, roomId, 'a\u202Eb'),
          'UNSAFE_TEXT',
          'setTopic',
          'Bidi override, embedding and isolate characters are not allowed.',
        );
        await ada.client.ok({ action: 'leaveRoom', roomId });
        assertError(await setTopic(ada.client, roomId), 'NOT_A_MEMBER', 'setTopic');
        const summary = (await bob.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);
        assert.equal(summary.topic, null);
      });
    });

    describe('renaming a room', () => {
      it('lets the owner and an admin rename it, live for members, in summaries, the directory and catch-up', async () => {
        const ada = await user();
        const bob = await user();
        const cy = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        await cy.client.ok({ action: 'joinRoom', roomId });
        const joined = (await bob.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);
        const before = joined.lastSeq as number;
        const oldName = joined.name as string;
        const name = uniqueName('launch');

        const renamed = await ada.client.ok({ action: 'renameRoom', roomId, name: `  ${name.toUpperCase()} ` });
        assert.deepEqual(
          [renamed.type, renamed.name, renamed.user.id, renamed.seq],
          ['roomRenamed', name, ada.session.user.id, before + 1],
        );
        const seen = await bob.client.waitFor((f) => f.type === 'roomRenamed' && f.seq === renamed.seq);
        assert.equal(seen.name, name);
        const again = await ada.client.ok({ action: 'renameRoom', roomId, name });
        assert.deepEqual(again, { type: 'roomNameUnchanged', requestId: again.requestId, roomId, name });
        // An admin may too.
        await ada.client.ok({ action: 'setMemberRole', roomId, userId: bob.session.user.id, role: 'admin' });
        const final = uniqueName('final');
        await bob.client.ok({ action: 'renameRoom', roomId, name: final });

        const welcome = await cy.client.ok({ action: 'hello' });
        assert.equal(welcome.rooms.find((room: Frame) => room.id === roomId).name, final);
        assert.equal((await findInDirectory(cy.client, final)).id, roomId);
        const replay = await cy.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: before }] });
        assert.deepEqual(
          replay.rooms[0].events
            .filter((event: Frame) => event.type === 'roomRenamed')
            .map((event: Frame) => [event.name, event.user.id]),
          [
            [name, ada.session.user.id],
            [final, bob.session.user.id],
          ],
        );
        // The old name is free: anyone may create a room with it.
        assert.equal((await cy.client.ok({ action: 'createRoom', name: oldName })).room.name, oldName);
      });

      it('refuses a plain member, an outsider, general, a direct conversation, a taken or invalid name', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const taken = (await eve.client.ok({ action: 'createRoom', name: uniqueName('taken') })).room.name as string;
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        const rename = (client: ChatClient, room: string, name = uniqueName('mine')) =>
          client.request({ action: 'renameRoom', roomId: room, name });

        assertError(await rename(bob.client, roomId), 'NOT_ROOM_MODERATOR', 'renameRoom');
        assertError(await rename(eve.client, roomId), 'NOT_A_MEMBER', 'renameRoom');
        const general = ada.welcome.rooms.find((room: Frame) => room.name === 'general').id as string;
        assertError(await rename(ada.client, general), 'NOT_ROOM_MODERATOR', 'renameRoom');
        assertError(
          await rename(ada.client, dm.room.id),
          'DIRECT_CONVERSATION',
          'renameRoom',
          'Direct conversations have no name to change.',
        );
        assertError(await rename(ada.client, roomId, taken.toUpperCase()), 'ROOM_NAME_TAKEN', 'renameRoom');
        assertError(await rename(ada.client, roomId, 'general'), 'ROOM_NAME_TAKEN', 'renameRoom');
        assertError(await rename(ada.client, roomId, 'no spaces allowed'), 'INVALID_ROOM_NAME', 'renameRoom');
        const summary = (await bob.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);
        assert.equal(
          (await ada.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId).name,
          summary.name,
        );
        assert.notEqual(summary.name, taken);
      });
    });

    describe('mentions and notifications', () => {
      const summaryOf = async (client: ChatClient, roomId: string): Promise<Frame> =>
        (await client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId);

      it('stores members’ @mentions with the message, counts them beside unread until read past, live and in catch-up', async () => {
        const ada = await user();
        const bob = await user();
        const cy = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client, cy.client);
        const bobName = bob.session.user.username;
        const before = (await summaryOf(bob.client, roomId)).lastSeq as number;

        // Eve is no member, @nobody does not exist, Ada cannot mention herself: only Bob and Cy count.
        const text = `@${bobName.toUpperCase()} and @${cy.session.user.username}, see @${eve.session.user.username} @nobody-here @${ada.session.user.username} a@${bobName}.`;
        const ack = await send(ada.client, roomId, text);
        assert.deepEqual(ack.message.mentions, {
          users: [
            { id: bob.session.user.id, username: bobName },
            { id: cy.session.user.id, username: cy.session.user.username },
          ],
          room: false,
        });
        const live = await bob.client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id);
        assert.deepEqual(live.message.mentions, ack.message.mentions);
        const plain = await send(ada.client, roomId, 'no mention here');
        assert.equal(plain.message.mentions, undefined);
        const second = await send(cy.client, roomId, `thanks @${bobName}`);

        const summary = await summaryOf(bob.client, roomId);
        assert.deepEqual([summary.unread, summary.mentions], [3, 2]);
        const welcome = await bob.client.ok({ action: 'hello' });
        assert.equal(welcome.rooms.find((room: Frame) => room.id === roomId).mentions, 2);
        assert.equal((await summaryOf(ada.client, roomId)).mentions, 0);

        // Reading past the first mention leaves one; a second connection of Bob's hears the count.
        const other = await connect(bob.session);
        const read = await bob.client.ok({ action: 'markRead', roomId, seq: ack.message.seq });
        assert.deepEqual([read.unread, read.mentions], [2, 1]);
        const pushed = await other.waitFor((f) => f.type === 'read' && f.roomId === roomId);
        assert.equal(pushed.mentions, 1);
        const done = await bob.client.ok({ action: 'markRead', roomId, seq: second.message.seq });
        assert.deepEqual([done.unread, done.mentions], [0, 0]);

        // An edit keeps the mentions; a delete drops them (and the count).
        const edited = await ada.client.ok({ action: 'editMessage', messageId: ack.message.id, text: 'edited' });
        assert.deepEqual(edited.message.mentions, ack.message.mentions);
        const history = await cy.client.ok({ action: 'history', roomId });
        assert.deepEqual(history.messages.find((m: Frame) => m.id === ack.message.id).mentions, ack.message.mentions);
        const replay = await cy.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: before }] });
        assert.deepEqual(replay.rooms[0].events[0].message.mentions, ack.message.mentions);
        assert.equal((await summaryOf(cy.client, roomId)).mentions, 1);
        const deleted = await ada.client.ok({ action: 'deleteMessage', messageId: ack.message.id });
        assert.equal(deleted.message.mentions, undefined);
        assert.equal((await summaryOf(cy.client, roomId)).mentions, 0);
      });

      it('lets only the room’s owner mention @room, which counts for every member', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const ack = await send(ada.client, roomId, 'Standup in 5, @room!');
        assert.deepEqual(ack.message.mentions, { users: [], room: true });
        assert.equal((await summaryOf(bob.client, roomId)).mentions, 1);

        // A member who is not the owner, an outsider, `general` (nobody owns it), a DM, an owner who left.
        assertError(await send(bob.client, roomId, 'hey @room'), 'ROOM_MENTION_NOT_ALLOWED', 'sendMessage');
        assertError(await send(eve.client, roomId, 'hey @room'), 'NOT_A_MEMBER', 'sendMessage');
        const general = ada.welcome.rooms.find((room: Frame) => room.name === 'general').id as string;
        assertError(await send(ada.client, general, '@room hello'), 'ROOM_MENTION_NOT_ALLOWED', 'sendMessage');
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        assertError(await send(ada.client, dm.room.id, '@room hello'), 'ROOM_MENTION_NOT_ALLOWED', 'sendMessage');
        await ada.client.ok({ action: 'leaveRoom', roomId });
        assertError(await send(ada.client, roomId, '@room back'), 'NOT_A_MEMBER', 'sendMessage');
        // Nothing refused was stored.
        const history = await bob.client.ok({ action: 'history', roomId });
        assert.deepEqual(
          history.messages.map((m: Frame) => m.text),
          ['Standup in 5, @room!'],
        );
      });

      it('keeps per-room notification settings, tells the user’s other connections, and refuses non-members', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        assert.deepEqual(dm.room.notifications, { level: 'all', muted: false });
        assert.deepEqual((await summaryOf(ada.client, roomId)).notifications, { level: 'mentions', muted: false });

        const other = await connect(ada.session);
        const set = await ada.client.ok({ action: 'setNotifications', roomId, level: 'nothing', muted: true });
        assert.deepEqual(set, {
          type: 'notifications',
          requestId: set.requestId,
          roomId,
          level: 'nothing',
          muted: true,
        });
        const pushed = await other.waitFor((f) => f.type === 'notifications' && f.roomId === roomId);
        assert.deepEqual([pushed.level, pushed.muted], ['nothing', true]);
        const welcome = await other.ok({ action: 'hello' });
        assert.deepEqual(welcome.rooms.find((room: Frame) => room.id === roomId).notifications, {
          level: 'nothing',
          muted: true,
        });
        assert.deepEqual((await summaryOf(bob.client, roomId)).notifications, { level: 'mentions', muted: false });

        const setFor = (client: ChatClient, room: string) =>
          client.request({ action: 'setNotifications', roomId: room, level: 'all', muted: false });
        assertError(await setFor(eve.client, roomId), 'NOT_A_MEMBER', 'setNotifications');
        assertError(await setFor(eve.client, dm.room.id), 'ROOM_NOT_FOUND', 'setNotifications');
        assertError(await setFor(eve.client, randomUUID()), 'ROOM_NOT_FOUND', 'setNotifications');
        await bob.client.ok({ action: 'leaveRoom', roomId });
        assertError(await setFor(bob.client, roomId), 'NOT_A_MEMBER', 'setNotifications');
        // A level outside the model is the gateway's refusal.
        ada.client.send(JSON.stringify({ action: 'setNotifications', roomId, level: 'loud', muted: false }));
        await ada.client.waitFor((f) => f.message === 'Invalid request body');
      });
    });

    describe('pinned messages', () => {
      it('pins for everyone in the room live, idempotently, lists the pins, and catch-up restores them', async () => {
        const ada = await user();
        const bob = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message } = await send(ada.client, roomId, 'The plan');
        await bob.client.waitFor((f) => f.type === 'message' && f.message.id === message.id);

        const pinned = await bob.client.ok({ action: 'pinMessage', messageId: message.id });
        assert.equal(pinned.type, 'messagePinned');
        assert.deepEqual(pinned.message.pinnedBy, { id: bob.session.user.id, username: bob.session.user.username });
        const seen = await ada.client.waitFor((f) => f.type === 'messagePinned' && f.seq === pinned.seq);
        assert.deepEqual(seen.message, pinned.message);
        const again = await ada.client.ok({ action: 'pinMessage', messageId: message.id });
        assert.deepEqual(again, {
          type: 'pinUnchanged',
          requestId: again.requestId,
          roomId,
          messageId: message.id,
          pinned: true,
        });

        const pins = await ada.client.ok({ action: 'pins', roomId });
        assert.deepEqual(
          [pins.type, pins.hasMore, pins.messages.map((m: Frame) => m.id)],
          ['pins', false, [message.id]],
        );
        const unpinned = await ada.client.ok({ action: 'unpinMessage', messageId: message.id });
        assert.deepEqual([unpinned.type, unpinned.message.pinnedAt], ['messageUnpinned', null]);
        assert.equal((await ada.client.ok({ action: 'unpinMessage', messageId: message.id })).pinned, false);
        assert.deepEqual((await bob.client.ok({ action: 'pins', roomId })).messages, []);
        const replay = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: message.seq }] });
        assert.deepEqual(
          replay.rooms[0].events.map((event: Frame) => [event.type, event.message.pinnedAt]),
          [
            ['messagePinned', null],
            ['messageUnpinned', null],
          ],
        );
      });

      it('refuses outsiders, non-members, members who left, deleted messages and a full room', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message } = await send(ada.client, roomId, 'pin me');
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        const { message: secret } = await send(ada.client, dm.room.id, 'just us');
        const pin = (client: ChatClient, messageId: string) => client.request({ action: 'pinMessage', messageId });

        assertError(await pin(eve.client, secret.id), 'MESSAGE_NOT_FOUND', 'pinMessage');
        assertError(await eve.client.request({ action: 'pins', roomId: dm.room.id }), 'ROOM_NOT_FOUND', 'pins');
        assertError(await pin(eve.client, message.id), 'MESSAGE_NOT_FOUND', 'pinMessage');
        assertError(await eve.client.request({ action: 'pins', roomId }), 'NOT_A_MEMBER', 'pins');
        await pin(bob.client, message.id);
        await bob.client.ok({ action: 'leaveRoom', roomId });
        assertError(
          await bob.client.request({ action: 'unpinMessage', messageId: message.id }),
          'MESSAGE_NOT_FOUND',
          'unpinMessage',
        );
        assertError(await bob.client.request({ action: 'pins', roomId }), 'NOT_A_MEMBER', 'pins');

        for (let i = 1; i < ChatLimits.pinsMaxPerRoom; i++) {
          await ada.client.ok({
            action: 'pinMessage',
            messageId: (await send(ada.client, roomId, `pin ${i}`)).message.id,
          });
        }
        const extra = await send(ada.client, roomId, 'one too many');
        assertError(await pin(ada.client, extra.message.id), 'TOO_MANY_PINS', 'pinMessage');
        const page = await ada.client.ok({ action: 'pins', roomId, limit: 10 });
        assert.deepEqual([page.messages.length, page.hasMore], [10, true]);

        await ada.client.ok({ action: 'deleteMessage', messageId: message.id });
        assertError(await pin(ada.client, message.id), 'MESSAGE_DELETED', 'pinMessage');
        assert.equal((await pin(ada.client, extra.message.id)).type, 'messagePinned');
      });
    });
    describe('private rooms and invites', () => {
      it('keeps a private room from outsiders and lets people in by username and by link, live on every node', async () => {
        const ada = await user();
        const bob = await user();
        const cat = await user();
        const eve = await user();
        const { room } = await ada.client.ok({
          action: 'createRoom',
          name: uniqueName('private'),
          visibility: 'private',
        });
        assert.equal((await send(ada.client, room.id, 'before anyone')).type, 'ack');
        assertError(await eve.client.request({ action: 'joinRoom', roomId: room.id }), 'ROOM_NOT_FOUND', 'joinRoom');
        assertError(await eve.client.request({ action: 'history', roomId: room.id }), 'ROOM_NOT_FOUND', 'history');
        await assert.rejects(findInDirectory(eve.client, room.name), /is not in the directory/);

        // By username: bob is told at once, on his node, and receives the room from then on.
        const invited = await ada.client.ok({
          action: 'inviteMember',
          roomId: room.id,
          username: bob.session.user.username,
        });
        assert.equal(invited.user.id, bob.session.user.id);
        const notice = await bob.client.waitFor((f) => f.type === 'roomJoined' && f.room.id === room.id);
        assert.equal(notice.invitedBy.id, ada.session.user.id);
        await send(ada.client, room.id, 'hello bob');
        await bob.client.waitFor((f) => f.type === 'message' && f.message.text === 'hello bob');

        // By link: one use, then it is used up.
        const { token } = await ada.client.ok({ action: 'createInvite', roomId: room.id, maxUses: 1 });
        assert.equal((await cat.client.ok({ action: 'redeemInvite', token })).room.id, room.id);
        await bob.client.waitFor(
          (f) => f.type === 'memberJoined' && f.roomId === room.id && f.user.id === cat.session.user.id,
        );
        assertError(await eve.client.request({ action: 'redeemInvite', token }), 'INVITE_USED_UP', 'redeemInvite');

        // Made public: every member hears it, and the room is in the directory for anyone to join.
        await ada.client.ok({ action: 'setRoomVisibility', roomId: room.id, visibility: 'public' });
        await cat.client.waitFor(
          (f) => f.type === 'visibilityChanged' && f.roomId === room.id && f.visibility === 'public',
        );
        await eve.client.sync();
        assert.deepEqual(
          eve.client.all((f) => f.roomId === room.id || f.room?.id === room.id),
          [],
          'nothing of the private room reached the outsider',
        );
        await findInDirectory(eve.client, room.name);
        await eve.client.ok({ action: 'joinRoom', roomId: room.id });
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
          endpoint: chat.managementUrl,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });

        // Ada keeps sending while Bob is cut off and comes back. On a loaded machine a send to
        // two nodes on DynamoDB Local can take seconds: the wait spans the sends before the cut.
        const total = 20;
        const cutAfter = 3;
        const acks: Frame[] = [];
        const sending = (async () => {
          for (let i = 0; i < total; i++) acks.push(await send(ada.client, roomId, `flow ${i}`));
        })();
        await ada.client.waitFor(
          (f) => f.type === 'ack' && f.message.text === `flow ${cutAfter}`,
          `the ack of flow ${cutAfter}`,
          0,
          (cutAfter + 1) * WAIT_MS,
        );
        await management.send(new DeleteConnectionCommand({ ConnectionId: gatewayFrame.connectionId }));
        management.destroy();
        await bob.client.closed();

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
        if (last < finalSeq) {
          await back.waitFor((f) => f.type === 'message' && f.seq === finalSeq).catch(() => undefined);
        }
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

    describe('threads', () => {
      const reply = (client: ChatClient, rootId: string, text: string, options: Frame = {}) =>
        client.request({ action: 'replyInThread', rootId, text, clientMessageId: randomUUID(), ...options });

      it('holds a thread conversation live, counts replies on the root for everyone, and catch-up restores it', async () => {
        const ada = await user();
        const bob = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message: root } = await send(ada.client, roomId, 'shall we ship on Friday?');

        const first = await reply(bob.client, root.id, 'yes, after the review', { clientMessageId: 'thread-1' });
        assert.equal(first.type, 'replyAck');
        assert.deepEqual(
          [first.clientMessageId, first.duplicate, first.message.threadRootId, first.message.alsoToRoom],
          ['thread-1', false, root.id, false],
        );
        assert.deepEqual(first.root.thread, {
          replyCount: 1,
          lastReplyAt: first.message.createdAt,
          lastReplySeq: first.message.seq,
        });
        const seen = await ada.client.waitFor((f) => f.type === 'message' && f.message.id === first.message.id);
        assert.equal(seen.message.threadRootId, root.id);
        const counted = await ada.client.waitFor((f) => f.type === 'threadUpdated' && f.roomId === roomId);
        assert.deepEqual(
          [counted.seq, counted.message.id, counted.message.thread],
          [first.message.seq + 1, root.id, first.root.thread],
        );

        const second = await reply(ada.client, root.id, 'agreed', { alsoToRoom: true });
        assert.equal(second.message.alsoToRoom, true);
        assert.equal(second.root.thread.replyCount, 2);
        await bob.client.waitFor((f) => f.type === 'threadUpdated' && f.message.thread?.replyCount === 2);

        // A retry is answered with the stored reply and broadcast to nobody.
        const retry = await reply(bob.client, root.id, 'yes, after the review', { clientMessageId: 'thread-1' });
        assert.deepEqual(
          [retry.duplicate, retry.message.id, retry.root.thread.replyCount],
          [true, first.message.id, 2],
        );

        // The room's history holds the root and the reply also sent to the room; the thread holds both replies.
        const history = await bob.client.ok({ action: 'history', roomId });
        assert.deepEqual(
          history.messages
            .map((m: Frame) => m.id)
            .filter((id: string) => id !== undefined)
            .slice(-2),
          [root.id, second.message.id],
        );
        assert.equal(history.messages.at(-2).thread.replyCount, 2);
        const thread = await bob.client.ok({ action: 'thread', rootId: root.id });
        assert.deepEqual(
          [thread.type, thread.roomId, thread.root.id, thread.replies.map((m: Frame) => m.text), thread.hasMore],
          ['thread', roomId, root.id, ['yes, after the review', 'agreed'], false],
        );
        assert.equal(thread.lastReadSeq, first.message.seq);
        const older = await bob.client.ok({ action: 'thread', rootId: root.id, before: second.message.seq, limit: 1 });
        assert.deepEqual([older.replies.map((m: Frame) => m.id), older.hasMore], [[first.message.id], false]);

        // Read state per thread: the root's author follows it too, and every device of a user agrees.
        const adaThreads = await ada.client.ok({ action: 'threads', roomId });
        assert.deepEqual(
          adaThreads.threads.map((t: Frame) => [t.root.id, t.lastReadSeq]),
          [[root.id, second.message.seq]],
        );
        const bobTab = await connect(bob.session);
        await bobTab.ok({ action: 'hello' });
        const read = await bob.client.ok({ action: 'markThreadRead', rootId: root.id, seq: second.message.seq + 100 });
        assert.deepEqual(
          [read.type, read.roomId, read.rootId, read.lastReadSeq],
          ['threadRead', roomId, root.id, second.message.seq],
        );
        const pushed = await bobTab.waitFor((f) => f.type === 'threadRead');
        assert.equal(pushed.lastReadSeq, second.message.seq);
        const bobThreads = await bob.client.ok({ action: 'threads', roomId });
        assert.deepEqual(
          [bobThreads.threads.map((t: Frame) => [t.root.thread.lastReplySeq, t.lastReadSeq]), bobThreads.hasMore],
          [[[second.message.seq, second.message.seq]], false],
        );

        const replay = await bob.client.ok({ action: 'catchUp', rooms: [{ roomId, lastSeq: root.seq }] });
        assert.deepEqual(
          replay.rooms[0].events.map((event: Frame) => [
            event.type,
            event.message.id,
            event.message.thread?.replyCount,
          ]),
          [
            ['message', first.message.id, undefined],
            ['threadUpdated', root.id, 2],
            ['message', second.message.id, undefined],
            ['threadUpdated', root.id, 2],
          ],
        );
      });

      it('resolves a reply’s mentions: whoever it names follows the thread, unread; the room counts only replies in it', async () => {
        const ada = await user();
        const bob = await user();
        const cy = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client, cy.client);
        const cyName = cy.session.user.username;
        const cyMentions = async () =>
          (await cy.client.ok({ action: 'listRooms' })).joined.find((room: Frame) => room.id === roomId).mentions;
        const { message: root } = await send(ada.client, roomId, 'release notes?');

        // Eve is no member: only Cy is mentioned. Cy follows the thread from its root, so it is unread for Cy.
        const first = await reply(bob.client, root.id, `@${cyName} and @${eve.session.user.username}, have a look`);
        const named = { users: [{ id: cy.session.user.id, username: cyName }], room: false };
        assert.deepEqual(first.message.mentions, named);
        const live = await cy.client.waitFor((f) => f.type === 'message' && f.message.id === first.message.id);
        assert.deepEqual(live.message.mentions, named);
        const followed = await cy.client.waitFor((f) => f.type === 'threadRead' && f.rootId === root.id);
        assert.deepEqual([followed.roomId, followed.lastReadSeq], [roomId, root.seq]);
        const threads = await cy.client.ok({ action: 'threads', roomId });
        assert.deepEqual(
          threads.threads.map((t: Frame) => [t.root.id, t.lastReadSeq, t.root.thread.lastReplySeq]),
          [[root.id, root.seq, first.message.seq]],
        );
        const thread = await cy.client.ok({ action: 'thread', rootId: root.id });
        assert.deepEqual(thread.replies[0].mentions, named);
        // A reply only in its thread is no unread message of the room, so no unread mention of it either.
        assert.equal(await cyMentions(), 0);

        // `@room` in a thread needs the owner or an admin, as in the room; nothing refused is stored.
        assertError(await reply(bob.client, root.id, 'hey @room'), 'ROOM_MENTION_NOT_ALLOWED', 'replyInThread');
        const shown = await reply(ada.client, root.id, `@${cyName} @room shipping now`, { alsoToRoom: true });
        assert.deepEqual(shown.message.mentions, { ...named, room: true });
        assert.equal(shown.root.thread.replyCount, 2);
        assert.equal(await cyMentions(), 1);

        // Having read the thread, Cy keeps the position when named again (forward only).
        const read = await cy.client.ok({ action: 'markThreadRead', rootId: root.id, seq: shown.message.seq });
        const mark = cy.client.frames.length;
        await reply(bob.client, root.id, `one more thing, @${cyName}`);
        const again = await cy.client.waitFor((f) => f.type === 'threadRead', 'the pushed position', mark);
        assert.deepEqual([again.rootId, again.lastReadSeq], [root.id, read.lastReadSeq]);
      });

      it('refuses outsiders, non-members, members who left, bad roots and bad replies', async () => {
        const ada = await user();
        const bob = await user();
        const eve = await user();
        const roomId = await sharedRoom(ada.client, bob.client);
        const { message: root } = await send(ada.client, roomId, 'a root');
        const dm = await ada.client.ok({ action: 'openDirect', username: bob.session.user.username });
        const { message: secret } = await send(ada.client, dm.room.id, 'just us');
        const refusals = (client: ChatClient, rootId: string) => [
          reply(client, rootId, 'hi'),
          client.request({ action: 'thread', rootId }),
          client.request({ action: 'markThreadRead', rootId, seq: 1 }),
        ];
        const actions = ['replyInThread', 'thread', 'markThreadRead'];
        const expect = async (client: ChatClient, rootId: string, code: keyof typeof ChatErrorCode) => {
          const answers = await Promise.all(refusals(client, rootId));
          for (const [i, answer] of answers.entries()) assertError(answer, code, actions[i]!);
        };

        // An outsider: a direct conversation of others does not exist for them.
        await expect(eve.client, secret.id, 'MESSAGE_NOT_FOUND');
        assertError(await eve.client.request({ action: 'threads', roomId: dm.room.id }), 'ROOM_NOT_FOUND', 'threads');
        // A non-member of a public room.
        await expect(eve.client, root.id, 'NOT_A_MEMBER');
        assertError(await eve.client.request({ action: 'threads', roomId }), 'NOT_A_MEMBER', 'threads');
        // A member who left.
        await reply(bob.client, root.id, 'before leaving');
        await bob.client.ok({ action: 'leaveRoom', roomId });
        await expect(bob.client, root.id, 'NOT_A_MEMBER');
        assertError(await bob.client.request({ action: 'threads', roomId }), 'NOT_A_MEMBER', 'threads');

        // Bad roots: unknown, a reply (threads are one level deep), deleted.
        await expect(ada.client, randomUUID(), 'MESSAGE_NOT_FOUND');
        const { message: child } = await reply(ada.client, root.id, 'a reply');
        await expect(ada.client, child.id, 'NOT_A_THREAD_ROOT');
        assertError(await reply(ada.client, root.id, '   '), 'EMPTY_MESSAGE', 'replyInThread');
        assertError(
          await reply(ada.client, root.id, 'x'.repeat(ChatLimits.messageMaxLength + 1)),
          'MESSAGE_TOO_LONG',
          'replyInThread',
        );
        await ada.client.ok({ action: 'deleteMessage', messageId: root.id });
        assertError(await reply(ada.client, root.id, 'too late'), 'MESSAGE_DELETED', 'replyInThread');
        // The tombstone keeps its thread readable.
        const thread = await ada.client.ok({ action: 'thread', rootId: root.id });
        assert.deepEqual(
          [thread.root.deletedAt !== null, thread.root.thread.replyCount, thread.replies.length],
          [true, 2, 2],
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
        const found = await search(bob.client, { action: 'search', query: 'zeppel fri' });
        assert.equal(found.type, 'searchResults');
        assert.equal(found.results.length, 1);
        const [hit] = found.results;
        assert.equal(hit.roomId, roomId);
        assert.equal(hit.roomKind, 'room');
        const highlighted = hit.snippet.highlights.map(([s, e]: [number, number]) => hit.snippet.text.slice(s, e));
        assert.deepEqual(highlighted.map((w: string) => w.toLowerCase()).sort(), ['friday', 'zeppelin']);

        assert.deepEqual((await eve.client.ok({ action: 'search', query: 'zeppelin' })).results, []);
        assertError(
          await eve.client.request({ action: 'search', query: 'zeppelin', roomId }),
          'NOT_A_MEMBER',
          'search',
        );
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
        const usedUp = await ada.client.ok({ action: 'createInvite', roomId, maxUses: 1 });
        await (await user()).client.ok({ action: 'redeemInvite', token: usedUp.token });
        const revoked = await ada.client.ok({ action: 'createInvite', roomId });
        await ada.client.ok({ action: 'revokeInvite', inviteId: revoked.invite.id });
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
          [ada.client, { action: 'openGroup', userIds: [bob.session.user.id] }, 'GROUP_SIZE'],
          [
            ada.client,
            { action: 'openGroup', userIds: [bob.session.user.id, bob.session.user.id] },
            'DUPLICATE_MEMBER',
          ],
          [ada.client, { action: 'deleteMessage', messageId: randomUUID() }, 'MESSAGE_NOT_FOUND'],
          [cat.client, { action: 'editMessage', messageId: message.id, text: 'nope' }, 'NOT_YOUR_MESSAGE'],
          [
            ada.client,
            {
              action: 'sendMessage',
              roomId,
              text: 'x'.repeat(ChatLimits.messageMaxLength + 1),
              clientMessageId: 'long',
            },
            'MESSAGE_TOO_LONG',
          ],
          [ada.client, { action: 'sendMessage', roomId, text: ' \n\t ', clientMessageId: 'empty' }, 'EMPTY_MESSAGE'],
          [ada.client, { action: 'addReaction', messageId: message.id, emoji: 'ok' }, 'INVALID_EMOJI'],
          [ada.client, { action: 'setTopic', roomId, topic: 'x'.repeat(251) }, 'TOPIC_TOO_LONG'],
          [cat.client, { action: 'setTopic', roomId, topic: 'mine' }, 'NOT_ROOM_MODERATOR'],
          [
            cat.client,
            { action: 'sendMessage', roomId, text: '@room listen', clientMessageId: 'all' },
            'ROOM_MENTION_NOT_ALLOWED',
          ],
          [ada.client, { action: 'inviteMember', roomId, username: cat.session.user.username }, 'ALREADY_A_MEMBER'],
          [bob.client, { action: 'redeemInvite', token: 'not.valid' }, 'INVITE_NOT_FOUND'],
          [bob.client, { action: 'redeemInvite', token: usedUp.token }, 'INVITE_USED_UP'],
          [bob.client, { action: 'redeemInvite', token: revoked.token }, 'INVITE_REVOKED'],
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
        // search index; every store here has one), INTERNAL (a fault, not a rule), and the rate
        // limits and disguising text (this server lifts the limits; the abuse suite in test/abuse/
        // checks both on every store, rate-limits.test.ts and message-text.test.ts the rules).
        // TOO_MANY_REACTIONS and TOO_MANY_PINS take a full message or room, NOT_A_THREAD_ROOT a
        // thread: the tests above. INVITE_EXPIRED takes a link older than its lifetime:
        // private-rooms-protocol.test.ts. The refusals of roles and moderation take rooms with
        // admins: chat-moderation.test.ts (BANNED_FROM_ROOM too: a ban takes a moderator's removal).
        // The file codes need uploads over HTTP first: test/files/.
        const elsewhere = [
          'INVITE_EXPIRED',
          'FILE_TOO_LARGE',
          'FILE_TYPE_NOT_ALLOWED',
          'FILE_NOT_FOUND',
          'TOO_MANY_ATTACHMENTS',
          'FILES_NOT_ENABLED',
          'STORAGE_FULL',
          'TOO_MANY_REACTIONS',
          'TOO_MANY_PINS',
          'NOT_A_THREAD_ROOT',
          'NOT_ROOM_OWNER',
          'CANNOT_MODERATE_MEMBER',
          'BANNED_FROM_ROOM',
          'MEMBER_NOT_FOUND',
          'ROOM_READ_ONLY',
          'NOT_SERVER_ADMIN',
          'ACCOUNT_DEACTIVATED',
          'INVALID_USERNAME',
          'INVALID_PASSWORD',
          'USERNAME_TAKEN',
          'BAD_CREDENTIALS',
          'RATE_LIMITED',
          'TOO_MANY_CONNECTIONS',
          'UNSAFE_TEXT',
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
        const restore = await deployment.storeOutage();
        let answer: Frame;
        try {
          // Every write waits out the store's timeout first (on embedded SQLite a busy wait that
          // holds this very process, and a background write such as a read marker may wait too).
          const waitMs = 4 * WAIT_MS;
          answer = await ada.client.request(
            { action: 'sendMessage', roomId, text: 'will it stick?', clientMessageId: 'unstored' },
            waitMs,
          );
        } finally {
          await restore();
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
          JSON.stringify({ action: 'addReaction', messageId: 'm' }),
          JSON.stringify({ action: 'removeReaction', messageId: 'm', emoji: '' }),
          JSON.stringify({ action: 'addReaction', messageId: 'm', emoji: '👍'.repeat(33) }),
          JSON.stringify({ action: 'setTopic', roomId: 'r' }),
          JSON.stringify({ action: 'pins', roomId: 'r', limit: 26 }),
          JSON.stringify({ action: 'pinMessage' }),
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
}
