/**
 * The outbound engine on a real `ws` connection: a frame built once is written as
 * is, the frames queued for one socket within a tick go out in one write, and a
 * connection over its queue limit is dropped as a slow consumer.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, describe, it } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { Connection } from '../../src/connection.ts';
import { messageFrame, Outbound, SLOW_CONSUMER_CLOSE } from '../../src/server/outbound.ts';
import { RawClient } from '../support/channels-harness.ts';
import { connect, withTimeout } from '../support/gateway-harness.ts';

interface Accepted {
  connection: Connection;
  /** How many times the server wrote to the client's TCP socket. */
  writes: () => number;
  /** What the server wrote to the client's TCP socket, one buffer per write. */
  written: Buffer[];
}

/** A plain `ws` server; each accepted socket is wrapped as the gateway wraps it, its writes counted. */
async function startServer(): Promise<{ url: string; next: () => Promise<Accepted> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  after(async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const next = (): Promise<Accepted> =>
    withTimeout(
      new Promise((resolve) =>
        wss.once('connection', (ws: WebSocket, request: IncomingMessage) => resolve(wrap(ws, request.socket))),
      ),
      3000,
      'no connection',
    );
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, next };
}

/** `count` clients of `server`, each with its accepted, wrapped connection, in order. */
async function connectMany(
  server: Awaited<ReturnType<typeof startServer>>,
  count: number,
): Promise<{ clients: Awaited<ReturnType<typeof connect>>[]; accepted: Accepted[] }> {
  const clients = [];
  const accepted: Accepted[] = [];
  for (let i = 0; i < count; i++) {
    const next = server.next();
    clients.push(await connect(server.url));
    accepted.push(await next);
  }
  return { clients, accepted };
}

function wrap(ws: WebSocket, raw: Duplex): Accepted {
  const written: Buffer[] = [];
  const write = raw.write.bind(raw) as (chunk: Buffer) => boolean;
  // Observes the real socket's writes: each is one send to the kernel.
  raw.write = ((chunk: Buffer) => {
    written.push(chunk);
    return write(chunk);
  }) as typeof raw.write;
  const facts = {
    connectionId: 'AAAAAAAAAAAAAAA=',
    connectedAt: Date.now(),
    sourceIp: '127.0.0.1',
    stage: 'dev',
    domainName: 'localhost',
    apiId: 'local00000',
    stageVariables: undefined,
    authorizer: undefined,
  };
  const connection = new Connection(ws, raw, facts, '', { message() {}, close() {} });
  return { connection, writes: () => written.length, written };
}

describe('Function: messageFrame', () => {
  it('builds one unmasked text frame for strings and UTF-8 bytes, a binary frame for other bytes', () => {
    assert.deepEqual(messageFrame('hi'), Buffer.from([0x81, 2, 0x68, 0x69]));
    assert.deepEqual(messageFrame(Buffer.from('hi')), Buffer.from([0x81, 2, 0x68, 0x69]));
    assert.deepEqual(messageFrame(Buffer.from([0xff])), Buffer.from([0x82, 1, 0xff]));
    const medium = messageFrame('x'.repeat(300));
    assert.deepEqual(medium.subarray(0, 4), Buffer.from([0x81, 126, 0x01, 0x2c]));
    assert.equal(medium.length, 304);
    const large = messageFrame('y'.repeat(70_000));
    assert.deepEqual(large.subarray(0, 10), Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]));
  });
});

describe('Class: Outbound', () => {
  it('writes the frames queued for one socket within a tick in one write, complete and in order', async () => {
    const server = await startServer();
    const accepted = server.next();
    const client = await connect(server.url);
    const { connection, writes } = await accepted;
    const outbound = new Outbound({ maxQueuedBytes: 1024 * 1024 });
    for (let i = 0; i < 100; i++) assert.equal(outbound.send(connection, `frame ${i}`), true);
    assert.equal(writes(), 0, 'nothing is written before the end of the tick');
    const received: string[] = [];
    for (let i = 0; i < 100; i++) received.push(await client.next());
    assert.deepEqual(
      received,
      Array.from({ length: 100 }, (_, i) => `frame ${i}`),
    );
    assert.equal(writes(), 1);
  });

  it('fanOut queues the same frame for every recipient but the excepted one', async () => {
    const { clients, accepted } = await connectMany(await startServer(), 3);
    const connections: Connection[] = accepted.map(({ connection }) => connection);
    const outbound = new Outbound({ maxQueuedBytes: 1024 * 1024 });
    const frame = messageFrame('to all but one');
    const now = Date.now() + 1000;
    assert.equal(outbound.fanOut(connections, frame, connections[1], now), 2);
    // The very buffer built once is queued for each recipient: nothing is copied per recipient.
    assert.equal(connections[0]?.outbox?.[0], frame);
    assert.equal(connections[2]?.outbox?.[0], frame);
    assert.equal(connections[1]?.outbox, null);
    assert.equal(connections[0]?.lastActiveAt, now);
    assert.notEqual(connections[1]?.lastActiveAt, now);
    assert.equal(await clients[0]?.next(), 'to all but one');
    assert.equal(await clients[2]?.next(), 'to all but one');
    assert.ok(await clients[1]?.silentFor(100));
  });

  it('gives sockets queued the same frames in a tick one merged buffer, and a socket with others its own', async () => {
    const { clients, accepted } = await connectMany(await startServer(), 4);
    const [first, second, third, fourth] = accepted as [Accepted, Accepted, Accepted, Accepted];
    const outbound = new Outbound({ maxQueuedBytes: 1024 * 1024 });
    const frames = ['one', 'two', 'three'].map((text) => messageFrame(text));
    const room = [first.connection, second.connection, fourth.connection];
    for (const frame of frames) outbound.fanOut(room, frame, undefined, Date.now());
    // The third socket gets equal bytes, but built apart: it must not borrow the room's buffer.
    for (const text of ['one', 'two', 'three']) outbound.send(third.connection, text);
    for (const client of clients) for (const text of ['one', 'two', 'three']) assert.equal(await client.next(), text);
    const [merged] = first.written;
    assert.ok(merged);
    assert.deepEqual(merged, Buffer.concat(frames));
    // Sockets flush in the order they were first queued for: first, second, fourth, third.
    assert.equal(second.written[0], merged, 'the next member reuses the merged buffer');
    assert.equal(fourth.written[0], merged);
    assert.notEqual(third.written[0], merged);
    assert.deepEqual(third.written[0], merged);
    for (const { written } of accepted) assert.equal(written.length, 1);
  });

  it('drops a connection whose queue is over the limit with 1013, and never queues for it again', async () => {
    const server = await startServer();
    const accepted = server.next();
    await RawClient.connect(server.url, { read: false });
    const { connection } = await accepted;
    let closed = false;
    connection.socket.on('close', () => {
      closed = true;
    });
    const outbound = new Outbound({ maxQueuedBytes: 64 * 1024 });
    const frame = messageFrame('z'.repeat(32 * 1024));
    let sent = 0;
    // The kernel's buffers take some megabytes first; 64 MB is far more than they hold.
    while (outbound.send(connection, frame) && sent < 2048) {
      sent++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(sent < 2048, 'the slow consumer was never dropped');
    assert.equal(connection.open, false);
    assert.deepEqual(connection.closeCause, SLOW_CONSUMER_CLOSE);
    assert.equal(outbound.send(connection, frame), false);
    await withTimeout(
      new Promise<void>((resolve) => (closed ? resolve() : connection.socket.once('close', () => resolve()))),
      3000,
      'the socket did not close',
    );
  });
});
