/**
 * Three chat nodes on loopback ports sharing one PostgreSQL schema and one
 * Redis key prefix: users connected to different nodes chat in a room and in a
 * direct conversation, see each other's presence and typing, and a node that
 * shuts down gracefully sends its clients (1001) to the others.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ChatClient, type Frame, register, uniqueName } from '../chat-test-client.ts';
import { dropSchemas, probe, startCluster, waitUntil } from './cluster-harness.ts';
import { ReconnectingClient } from './reconnecting-client.ts';

after(dropSchemas);

describe('a cluster of three nodes', () => {
  it('carries a room, a direct conversation, presence and typing between users on different nodes', async (t) => {
    const nodes = await startCluster(t, 3);
    // Accounts made on one node sign in on every other: one database, one token secret.
    const [ada, bob, cy] = [
      await register(nodes[0]!.url),
      await register(nodes[1]!.url),
      await register(nodes[2]!.url),
    ];
    const clients: ChatClient[] = [];
    t.after(async () => {
      await Promise.all(clients.map((client) => client.close()));
    });
    const connect = async (node: number, token: string): Promise<ChatClient> => {
      const client = await ChatClient.connect(nodes[node]!.webSocketUrl, token);
      clients.push(client);
      return client;
    };
    const [onA, onB, onC] = [await connect(0, ada.token), await connect(1, bob.token), await connect(2, cy.token)];

    // A room: joins and messages reach the other nodes.
    const { room } = await onA.ok({ action: 'createRoom', name: uniqueName('plan') });
    await onB.ok({ action: 'joinRoom', roomId: room.id });
    await onA.waitFor((f) => f.type === 'memberJoined' && f.user.id === bob.user.id, 'bob joined, seen on node 0');
    await onC.ok({ action: 'joinRoom', roomId: room.id });
    await onB.waitFor((f) => f.type === 'memberJoined' && f.user.id === cy.user.id, 'cy joined, seen on node 1');
    const ack = await onA.ok({
      action: 'sendMessage',
      roomId: room.id,
      text: 'hello from node 0',
      clientMessageId: 'a1',
    });
    for (const client of [onB, onC]) {
      const event = await client.waitFor((f) => f.type === 'message' && f.message.id === ack.message.id, 'the message');
      assert.deepEqual(event.message, ack.message);
    }
    const reply = await onC.ok({
      action: 'sendMessage',
      roomId: room.id,
      text: 'hi from node 2',
      clientMessageId: 'c1',
    });
    await onA.waitFor((f) => f.type === 'message' && f.message.id === reply.message.id, 'the reply on node 0');
    assert.equal(reply.message.seq, ack.message.seq + 1, 'one sequence per room across nodes');

    // Typing: relayed to the others, on their nodes.
    onB.send({ action: 'typing', roomId: room.id });
    for (const client of [onA, onC]) {
      const typing = await client.waitFor((f) => f.type === 'typing' && f.user.id === bob.user.id, 'bob typing');
      assert.equal(typing.roomId, room.id);
    }

    // A direct conversation: the other user (on another node) is told, and nobody else reads it.
    const direct = await onA.ok({ action: 'openDirect', userId: bob.user.id });
    await onB.waitFor(
      (f) => f.type === 'roomJoined' && f.room.id === direct.room.id,
      'the direct conversation on node 1',
    );
    const secret = await onA.ok({
      action: 'sendMessage',
      roomId: direct.room.id,
      text: 'just us',
      clientMessageId: 'd1',
    });
    await onB.waitFor(
      (f) => f.type === 'message' && f.message.id === secret.message.id,
      'the direct message on node 1',
    );
    await onC.sync();
    assert.equal(onC.all((f) => f.roomId === direct.room.id).length, 0, 'cy sees nothing of it');
    const refused = await onC.request({ action: 'history', roomId: direct.room.id });
    assert.deepEqual([refused.type, refused.code], ['error', 'ROOM_NOT_FOUND']);

    // Presence: who is online counts every node; closing and opening connections anywhere is announced everywhere.
    const online = await onB.ok({ action: 'online' });
    assert.deepEqual(online.users.map((user: Frame) => user.id).sort(), [ada.user.id, bob.user.id, cy.user.id].sort());
    const offlineSeen = onA.frames.length;
    await onC.close();
    for (const client of [onA, onB]) {
      await client.waitFor(
        (f) => f.type === 'presence' && f.user.id === cy.user.id && f.online === false,
        'cy offline',
      );
    }
    const again = await connect(0, cy.token);
    await onB.waitFor(
      (f) => f.type === 'presence' && f.user.id === cy.user.id && f.online === true,
      'cy online on node 0',
    );
    await onA.waitFor(
      (f) => f.type === 'presence' && f.user.id === cy.user.id && f.online === true,
      'cy back online',
      offlineSeen,
    );
    const members = await again.ok({ action: 'members', roomId: room.id });
    assert.ok(members.members.every((member: Frame) => member.online));
  });

  it('answers /healthz and /readyz on every node', async (t) => {
    const nodes = await startCluster(t, 2);
    for (const node of nodes) {
      assert.deepEqual(await probe(node.url, '/healthz'), { status: 200, body: { status: 'ok' } });
      assert.deepEqual(await probe(node.url, '/readyz'), {
        status: 200,
        body: { status: 'ready', down: [], checks: { store: 'up', redis: 'up' } },
      });
    }
  });

  it('closes connections with 1001 on a graceful shutdown, and the clients carry on on another node', async (t) => {
    const nodes = await startCluster(t, 3);
    const [ada, bob] = [await register(nodes[0]!.url), await register(nodes[0]!.url)];
    const urls = nodes.map((node) => node.webSocketUrl);
    const onA = await ReconnectingClient.open('ada', urls, 0, ada.token);
    const onB = await ReconnectingClient.open('bob', urls, 1, bob.token);
    t.after(async () => {
      await Promise.all([onA.close(), onB.close()]);
    });
    const created = await onA.request({ action: 'createRoom', name: uniqueName('drain') });
    onA.track(created.room.id, created.room.lastSeq);
    const joined = await onB.request({ action: 'joinRoom', roomId: created.room.id });
    onB.track(created.room.id, joined.room.lastSeq);
    const first = await onA.sendMessage(created.room.id, 'before the drain');

    const closes: number[] = [];
    const raw = await ChatClient.connect(nodes[0]!.webSocketUrl, ada.token);
    raw.socket.on('close', (code) => closes.push(code));
    await nodes[0]!.close();
    await waitUntil(() => closes.length > 0, 'the close frame');
    assert.deepEqual(closes, [1001]);
    await waitUntil(() => onA.connected && onA.url !== nodes[0]!.webSocketUrl, 'ada reconnected to another node');
    const second = await onA.sendMessage(created.room.id, 'after the drain');
    await waitUntil(() => onB.lastSeq(created.room.id) >= second.message.seq, 'bob has both messages');
    assert.deepEqual(
      onB.messages(created.room.id).map((message) => message.id),
      [first.message.id, second.message.id],
    );
  });
});
