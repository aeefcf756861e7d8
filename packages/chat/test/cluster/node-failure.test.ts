/**
 * A node killed with SIGKILL while messages flow (each node a child process):
 * its clients reconnect to another node and catch up; after client-side
 * dedupe by sequence, every acknowledged message reaches every member exactly
 * once; the dead node's connections answer 410 on a live node's `@connections`
 * (the real AWS SDK) and leave presence.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ChatClient, type Frame, register, uniqueName } from '../chat-test-client.ts';
import {
  type ChildNode,
  dropSchemas,
  freshKeyPrefix,
  freshSchema,
  nodeOptions,
  startChildNode,
  waitUntil,
} from './cluster-harness.ts';
import { assertEveryMemberHasEachAckedMessageOnce, ReconnectingClient } from './reconnecting-client.ts';

after(dropSchemas);

const MESSAGES_PER_CLIENT = 20;

/** The AWS error name a management call fails with, or 'OK'. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'OK';
  } catch (error) {
    const failure = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return `${failure.name} ${failure.$metadata?.httpStatusCode}`;
  }
}

describe('a node killed with SIGKILL', () => {
  it('loses no acknowledged message, and its connections answer 410 and leave presence', async (t) => {
    const setup = { schema: freshSchema(), keyPrefix: freshKeyPrefix() };
    const nodes: ChildNode[] = [];
    t.after(async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    });
    // The first node migrates the schema before the others start.
    for (let i = 0; i < 3; i++) nodes.push(await startChildNode(nodeOptions(i, setup)));
    const urls = nodes.map((node) => node.webSocketUrl);
    const victim = 1;

    const sessions = await Promise.all(['ada', 'bob', 'cy', 'dan', 'ghost'].map(() => register(nodes[0]!.url)));
    // ada on node 0, bob and cy on the victim, dan on node 2: a real client each.
    const clients = await Promise.all(
      [0, victim, victim, 2].map((node, i) => ReconnectingClient.open(`user${i}`, urls, node, sessions[i]!.token)),
    );
    // ghost, also on the victim, never reconnects: it must drop out of presence.
    const ghostSession = sessions[4]!;
    const ghost = await ChatClient.connect(urls[victim]!, ghostSession.token);
    t.after(async () => {
      await Promise.all([...clients.map((client) => client.close()), ghost.close()]);
    });
    const [ada] = clients as [ReconnectingClient, ...ReconnectingClient[]];

    const created = await ada.request({ action: 'createRoom', name: uniqueName('failover') });
    const roomId = created.room.id as string;
    for (const client of clients.slice(1)) await client.request({ action: 'joinRoom', roomId });
    await ghost.ok({ action: 'joinRoom', roomId });
    const welcome = await ada.request({ action: 'hello' });
    const base = welcome.rooms.find((room: Frame) => room.id === roomId).lastSeq as number;
    for (const client of clients) client.track(roomId, base);

    const management = new ApiGatewayManagementApiClient({
      endpoint: nodes[0]!.managementUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
    t.after(() => management.destroy());
    const ghostId = await connectionIdOf(ghost);
    const bobOldId = await clients[1]!.connectionId();
    // A connection on another node is found through the cluster's directory.
    assert.equal(await outcome(() => management.send(new GetConnectionCommand({ ConnectionId: ghostId }))), 'OK');

    // Traffic: every client sends in turn, each message after the previous one's ack.
    const acks: Frame[] = [];
    const traffic = clients.map(async (client) => {
      for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
        acks.push(await client.sendMessage(roomId, `${client.name} #${i}`, `${client.name}-${i}-${randomUUID()}`));
      }
    });
    await waitUntil(() => acks.length >= MESSAGES_PER_CLIENT, 'a quarter of the messages are acknowledged');
    await nodes[victim]!.kill('SIGKILL');
    const ackedBeforeKill = acks.length;
    await Promise.all(traffic);
    assert.ok(ackedBeforeKill < clients.length * MESSAGES_PER_CLIENT, 'the node died while messages were flowing');

    // The victim's clients moved to a live node.
    for (const client of clients.slice(1, 3)) {
      assert.ok(client.reconnects >= 1, `${client.name} reconnected`);
      assert.notEqual(client.url, urls[victim]);
    }
    // A last message from each client after the failover closes any gap left at the tail.
    for (const client of clients) acks.push(await client.sendMessage(roomId, `${client.name} done`));

    const expected = new Set(acks.map((ack) => ack.message.id as string));
    assert.equal(expected.size, clients.length * (MESSAGES_PER_CLIENT + 1), 'one stored message per send');
    const lastSeq = Math.max(...acks.map((ack) => ack.message.seq as number));
    await assertEveryMemberHasEachAckedMessageOnce(clients, roomId, acks);
    for (const client of clients) {
      const seqs = client.applied.get(roomId)!.map((event) => event.seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: lastSeq - base }, (_, i) => base + 1 + i),
        `${client.name}: no gap`,
      );
    }

    // The dead node's connections: 410 on a live node, and gone from presence.
    for (const id of [ghostId, bobOldId]) {
      await waitUntil(
        async () =>
          (await outcome(() => management.send(new GetConnectionCommand({ ConnectionId: id })))) ===
          'GoneException 410',
        `GetConnection answers 410 for ${id}`,
      );
      assert.equal(
        await outcome(() => management.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'anyone there?' }))),
        'GoneException 410',
      );
    }
    await waitUntil(
      () => ada.frames.some((f) => f.type === 'presence' && f.user.id === ghostSession.user.id && f.online === false),
      'ghost announced offline',
    );
    const online = await ada.request({ action: 'online' });
    const onlineIds = online.users.map((user: Frame) => user.id);
    assert.ok(!onlineIds.includes(ghostSession.user.id), 'ghost is not online');
    for (const session of sessions.slice(0, 4)) assert.ok(onlineIds.includes(session.user.id));
  });
});

/** The gateway's id for a plain client's connection, from its `Invalid request body` answer. */
async function connectionIdOf(client: ChatClient): Promise<string> {
  const from = client.frames.length;
  client.send({ action: 'sendMessage' });
  const frame = await client.waitFor((f) => f.message === 'Invalid request body', 'the connection id', from);
  return frame.connectionId as string;
}
