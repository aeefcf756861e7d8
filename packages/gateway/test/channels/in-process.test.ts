/**
 * Channels through the in-process client `gateway.channels` (an extension beyond
 * API Gateway): subscribe, publish, members, count, their errors in the AWS SDK's
 * shape, and membership that ends with the connection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.ts';
import { connectWithId, disconnectRecorder, whoami } from '../support/channels-harness.ts';
import { EventRecorder, errorOf, metricSamples, startGateway } from '../support/gateway-harness.ts';

describe('gateway.channels', () => {
  it('subscribe, members, count and publish reach exactly the members', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const b = await connectWithId(url);
    const outsider = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'room:1');
    await gateway.channels.subscribe(b.id, 'room:1');
    await gateway.channels.subscribe(b.id, 'room:1'); // twice is a no-op
    assert.deepEqual((await gateway.channels.members('room:1')).sort(), [a.id, b.id].sort());
    assert.equal(await gateway.channels.count('room:1'), 2);

    assert.equal(await gateway.channels.publish('room:1', '{"text":"hi"}'), 2);
    assert.equal(await a.client.next(), '{"text":"hi"}');
    assert.equal(await b.client.next(), '{"text":"hi"}');
    assert.ok(await outsider.client.silentFor(100));
  });

  it('an unknown channel has no members, count 0, and a publish to it reaches nobody', async () => {
    const { gateway } = await startGateway({ routes: { $default: whoami } });
    assert.deepEqual(await gateway.channels.members('nobody-here'), []);
    assert.equal(await gateway.channels.count('nobody-here'), 0);
    assert.equal(await gateway.channels.publish('nobody-here', 'x'), 0);
  });

  it('publishes a Buffer as text, and bytes that are not UTF-8 as a binary message', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'bytes');
    const received = new Promise<{ data: Buffer; isBinary: boolean }[]>((resolve) => {
      const messages: { data: Buffer; isBinary: boolean }[] = [];
      a.client.socket.on('message', (data: Buffer, isBinary: boolean) => {
        messages.push({ data, isBinary });
        if (messages.length === 2) resolve(messages);
      });
    });
    await gateway.channels.publish('bytes', Buffer.from('plain text'));
    await gateway.channels.publish('bytes', Buffer.from([0xff, 0xfe, 0x00]));
    const [text, binary] = await received;
    assert.deepEqual(text, { data: Buffer.from('plain text'), isBinary: false });
    assert.deepEqual(binary, { data: Buffer.from([0xff, 0xfe, 0x00]), isBinary: true });
  });

  it('exceptConnectionId leaves the sender out and is not counted', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const sender = await connectWithId(url);
    const other = await connectWithId(url);
    await gateway.channels.subscribe(sender.id, 'chat');
    await gateway.channels.subscribe(other.id, 'chat');
    assert.equal(await gateway.channels.publish('chat', 'from sender', { exceptConnectionId: sender.id }), 1);
    assert.equal(await other.client.next(), 'from sender');
    assert.ok(await sender.client.silentFor(100));
  });

  it('nothing is delivered after unsubscribe', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const stays = await connectWithId(url);
    const leaves = await connectWithId(url);
    await gateway.channels.subscribe(stays.id, 'news');
    await gateway.channels.subscribe(leaves.id, 'news');
    await gateway.channels.unsubscribe(leaves.id, 'news');
    await gateway.channels.unsubscribe(leaves.id, 'news'); // not a member any more: a no-op
    assert.deepEqual(await gateway.channels.members('news'), [stays.id]);
    assert.equal(await gateway.channels.publish('news', 'only for stays'), 1);
    assert.equal(await stays.client.next(), 'only for stays');
    assert.ok(await leaves.client.silentFor(100));
  });

  it('a closed connection leaves all its channels before $disconnect runs, and gets nothing more', async () => {
    const disconnects = new EventRecorder();
    let membersAtDisconnect: string[] | undefined;
    let gateway: Gateway | undefined;
    const started = await startGateway({
      routes: {
        $default: whoami,
        $disconnect: {
          handler: async (event: Record<string, unknown>) => {
            membersAtDisconnect = await gateway?.channels.members('a');
            disconnects.record(event);
            return { statusCode: 200 };
          },
        },
      },
    });
    gateway = started.gateway;
    const stays = await connectWithId(started.url);
    const goes = await connectWithId(started.url);
    for (const channel of ['a', 'b', 'c']) {
      await gateway.channels.subscribe(stays.id, channel);
      await gateway.channels.subscribe(goes.id, channel);
    }
    await goes.client.close(1000);
    await disconnects.nth(1);
    assert.deepEqual(membersAtDisconnect, [stays.id]);
    for (const channel of ['a', 'b', 'c']) assert.equal(await gateway.channels.count(channel), 1);
    assert.equal(await gateway.channels.publish('b', 'after close'), 1);
    assert.equal(await stays.client.next(), 'after close');
  });

  it('a route handler subscribes its caller and publishes to the channel', async () => {
    let gateway: Gateway | undefined;
    const started = await startGateway({
      routes: {
        join: {
          handler: async (event: { requestContext: { connectionId: string }; body: string }) => {
            const { room } = JSON.parse(event.body) as { room: string };
            await gateway?.channels.subscribe(event.requestContext.connectionId, room);
            return { statusCode: 200 };
          },
        },
        say: {
          handler: async (event: { requestContext: { connectionId: string }; body: string }) => {
            const { room, text } = JSON.parse(event.body) as { room: string; text: string };
            await gateway?.channels.publish(room, JSON.stringify({ text }), {
              exceptConnectionId: event.requestContext.connectionId,
            });
            return { statusCode: 200 };
          },
        },
        $default: whoami,
      },
    });
    gateway = started.gateway;
    const alice = await connectWithId(started.url);
    const bob = await connectWithId(started.url);
    alice.client.send({ action: 'join', room: 'room:7' });
    bob.client.send({ action: 'join', room: 'room:7' });
    const deadline = Date.now() + 3000;
    while ((await gateway.channels.count('room:7')) < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    alice.client.send({ action: 'say', room: 'room:7', text: 'hello bob' });
    assert.equal(await bob.client.next(), '{"text":"hello bob"}');
    assert.ok(await alice.client.silentFor(100));
  });

  it('counts channel deliveries and exposes channel and subscription gauges', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    const b = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'x');
    await gateway.channels.subscribe(b.id, 'x');
    await gateway.channels.subscribe(b.id, 'y');
    await gateway.channels.publish('x', 'one');
    await gateway.channels.publish('y', 'two');
    const values = await metricSamples(gateway.metrics);
    assert.equal(values.get('switchboard_messages_out_total{source="channel"}'), 3);
    assert.equal(values.get('switchboard_channels'), 2);
    assert.equal(values.get('switchboard_channel_subscriptions'), 3);
  });
});

describe('gateway.channels errors (AWS SDK shape)', () => {
  it('an invalid channel name is BadRequestException (400) on every method', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    for (const name of ['', 'x'.repeat(129), 'has space', 'semi;colon', 'é']) {
      for (const call of [
        gateway.channels.subscribe(a.id, name),
        gateway.channels.unsubscribe(a.id, name),
        gateway.channels.publish(name, 'x'),
        gateway.channels.members(name),
        gateway.channels.count(name),
      ]) {
        const error = await errorOf(call);
        assert.equal(error.name, 'BadRequestException', `name ${JSON.stringify(name)}`);
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.match(error.message, /Invalid channel name/);
      }
    }
    // The edges of the rule are accepted.
    await gateway.channels.subscribe(a.id, 'x'.repeat(128));
    await gateway.channels.subscribe(a.id, 'A-z_0.9:@/-');
  });

  it('an unknown connection is GoneException (410); a malformed id is BadRequestException (400)', async () => {
    const { gateway } = await startGateway({ routes: { $default: whoami } });
    const gone = await errorOf(gateway.channels.subscribe('AAAAAAAAAAAAAAA=', 'room'));
    assert.equal(gone.name, 'GoneException');
    assert.equal(gone.$metadata.httpStatusCode, 410);
    const malformed = await errorOf(gateway.channels.subscribe('not an id', 'room'));
    assert.equal(malformed.name, 'BadRequestException');
    assert.equal(malformed.message, 'Invalid connectionId');
  });

  it('a closed connection is GoneException (410) for subscribe and unsubscribe', async () => {
    const disconnects = new EventRecorder();
    const { url, gateway } = await startGateway({
      routes: { $default: whoami, $disconnect: disconnectRecorder(disconnects) },
    });
    const a = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'room');
    await a.client.close();
    await disconnects.nth(1);
    assert.equal((await errorOf(gateway.channels.subscribe(a.id, 'room'))).name, 'GoneException');
    assert.equal((await errorOf(gateway.channels.unsubscribe(a.id, 'room'))).name, 'GoneException');
  });

  it('a message over 128 KB is PayloadTooLargeException (413); 128 KB exactly is delivered', async () => {
    const { url, gateway } = await startGateway({ routes: { $default: whoami } });
    const a = await connectWithId(url);
    await gateway.channels.subscribe(a.id, 'big');
    const error = await errorOf(gateway.channels.publish('big', 'x'.repeat(131_073)));
    assert.equal(error.name, 'PayloadTooLargeException');
    assert.equal(error.$metadata.httpStatusCode, 413);
    const largest = 'y'.repeat(131_072);
    assert.equal(await gateway.channels.publish('big', largest), 1);
    assert.equal(await a.client.next(), largest);
  });
});

describe('subscribing from $connect', () => {
  it('takes effect when the connection opens; a refused handshake leaves nothing behind', async () => {
    let refuse = false;
    const running: { gateway?: Gateway } = {};
    const { url, gateway } = await startGateway({
      routes: {
        $default: whoami,
        $connect: {
          handler: async (event: { requestContext: { connectionId: string } }) => {
            // As a chat does: subscribe the new connection to its rooms before it opens.
            await running.gateway?.channels.subscribe(event.requestContext.connectionId, 'lobby');
            return { statusCode: refuse ? 403 : 200 };
          },
        },
      },
    });
    running.gateway = gateway;
    const member = await connectWithId(url);
    assert.deepEqual(await gateway.channels.members('lobby'), [member.id]);
    assert.equal(await gateway.channels.publish('lobby', 'welcome'), 1);
    assert.equal(await member.client.next(), 'welcome');

    refuse = true;
    await assert.rejects(connectWithId(url), /403/);
    assert.deepEqual(await gateway.channels.members('lobby'), [member.id]);
  });
});
