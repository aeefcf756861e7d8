/**
 * ChatConnection against a scripted WebSocket server on 127.0.0.1 (a real
 * socket; the test plays the chat server's part frame by frame), covering what
 * is hard to force through the real server: a drop before an ack, overlapping
 * catch-up and live events, a gap, a handshake that stalls, and the token expiring.
 */
import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ClientRequest, RoomEvent, RoomSummary, ServerMessage } from '@switchboard/chat/api';
import WebSocket from 'ws';
import { ChatConnection, type ConnectionState, type WebSocketLike } from '../src/connection/chat-connection.ts';
import { UnsentSends } from '../src/connection/unsent-sends.ts';
import {
  catchUpAnswer,
  drained,
  message,
  messageEvent,
  refusal,
  room,
  ScriptedServer,
  type ScriptedSocket,
  welcome,
  withTimeout,
} from './scripted-server.ts';

describe('Class: ChatConnection', () => {
  let server: ScriptedServer;
  let connection: ChatConnection | undefined;

  before(async () => {
    server = await ScriptedServer.start();
  });

  after(async () => {
    connection?.close();
    await server.close();
  });

  function connect(
    options: {
      tokenExpiresAt?: number;
      requestTimeoutMs?: number;
      catchUpAttempts?: number;
      reorderWindowMs?: number;
      pageAttempts?: number;
      pingIntervalMs?: number;
      openTimeoutMs?: number;
      url?: () => string;
      random?: () => number;
      unsent?: UnsentSends;
    } = {},
  ) {
    const events: RoomEvent[] = [];
    const states: ConnectionState[] = [];
    connection?.close();
    connection = new ChatConnection({
      url: server.url,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      backoff: { initialMs: 10, maxMs: 50 },
      ...options,
    });
    connection.on('roomEvent', (event) => events.push(event));
    connection.on('state', (state) => states.push(state));
    connection.connect();
    return { connection, events, states };
  }

  /** A fresh connection welcomed at seq 1 that then receives seq 3: a gap. */
  async function gapAfterWelcome(connection: ChatConnection) {
    const socket = await server.nextConnection();
    await welcome(socket, 1, connection);
    socket.send(messageEvent(3));
    return socket;
  }

  it('gives up a handshake that never completes and connects on the next attempt', async () => {
    // A server that accepts TCP connections and never answers the upgrade.
    const stalled = new Set<Socket>();
    const stall = createServer((socket) => {
      stalled.add(socket);
      socket.resume(); // reads (and drops) the request, so the client's close is seen
      socket.on('close', () => stalled.delete(socket));
    });
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const stallUrl = `ws://127.0.0.1:${(stall.address() as AddressInfo).port}/`;
    let attempts = 0;
    try {
      const { connection, states } = connect({
        openTimeoutMs: 200,
        url: () => (attempts++ === 0 ? stallUrl : server.url),
      });
      const socket = await server.nextConnection();
      await welcome(socket, 1, connection);
      assert.deepEqual(states.slice(0, 2), ['connecting', 'reconnecting']);
      assert.equal(connection.state, 'online');
      assert.equal(attempts, 2);
      // The stalled attempt's socket was closed, not left open.
      await withTimeout(
        (async () => {
          while (stalled.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        })(),
        'the stalled socket to close',
      );
    } finally {
      stall.close();
    }
  });

  it('resends an unacknowledged message with the same clientMessageId after a drop, and catches up exactly once', async () => {
    const { connection, events, states } = connect();
    const first = await server.nextConnection();
    await welcome(first, 2, connection);
    const pending = connection.send('r1', 'Ship it?');
    const sent = await first.nextAction('sendMessage');
    assert.equal(sent.clientMessageId, pending.clientMessageId);

    first.socket.terminate();
    const second = await server.nextConnection();
    // While we were away, seq 3 and 4 happened; 4 also arrives live, overlapping the catch-up.
    await welcome(second, 4, connection);
    const catchUp = await second.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r1', lastSeq: 2 }]);
    const resent = await second.nextAction('sendMessage');
    assert.equal(resent.clientMessageId, pending.clientMessageId);

    second.send(messageEvent(4));
    second.send({
      type: 'catchUp',
      requestId: catchUp.requestId,
      notMember: [],
      rooms: [{ roomId: 'r1', events: [messageEvent(3), messageEvent(4)], lastSeq: 4, hasMore: false }],
    });
    const stored = { ...message(5, pending.clientMessageId), authorId: 'u1', authorName: 'ada', text: 'Ship it?' };
    const acked = new Promise<void>((resolve) => connection.on('pending', (list) => list.length === 0 && resolve()));
    second.send({
      type: 'ack',
      requestId: resent.requestId,
      clientMessageId: pending.clientMessageId,
      message: stored,
      duplicate: false,
    });
    await withTimeout(acked, 'ack');

    assert.deepEqual(
      events.map((event) => event.seq),
      [3, 4, 5],
    );
    assert.deepEqual(states.slice(0, 3), ['connecting', 'online', 'reconnecting']);
    assert.equal(states.at(-1), 'online');
  });

  it('asks for a catch-up from the last applied seq when a live event skips one', async () => {
    const { connection, events } = connect();
    const socket = await gapAfterWelcome(connection);
    const catchUp = await socket.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r1', lastSeq: 1 }]);
    socket.send(catchUpAnswer(catchUp.requestId, [2, 3]));
    await drained(socket, connection);
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3],
    );
  });

  it('asks nothing when the event a live event skipped arrives within the reorder window', async () => {
    const { connection, events } = connect({ reorderWindowMs: 60_000 });
    const socket = await gapAfterWelcome(connection);
    // Sent through another node, seq 2 arrives after seq 3.
    socket.send(messageEvent(2));
    // Two ping round trips: a catch-up asked while handling seq 3 would reach the server before the second ping.
    const frames: ClientRequest[] = [];
    for (let round = 0; round < 2; round++) {
      const pong = connection.request({ action: 'ping' });
      for (;;) {
        const frame = await socket.next();
        frames.push(frame);
        if (frame.action !== 'ping') continue;
        socket.send({ type: 'pong', requestId: frame.requestId, now: 1, heads: [], since: 'c', hasMore: false });
        break;
      }
      await pong;
    }
    assert.deepEqual(
      frames.filter((frame) => frame.action === 'catchUp'),
      [],
    );
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3],
    );
  });

  it('asks again with backoff when a catch-up is answered with an error, and the room goes on', async () => {
    const { connection, events } = connect();
    const socket = await gapAfterWelcome(connection);
    const first = await socket.nextAction('catchUp');
    socket.send({
      type: 'error',
      requestId: first.requestId,
      action: 'catchUp',
      code: 'STORE_UNAVAILABLE',
      message: 'Try again.',
    });
    const second = await socket.nextAction('catchUp');
    assert.deepEqual(second.rooms, [{ roomId: 'r1', lastSeq: 1 }]);
    assert.notEqual(second.requestId, first.requestId);
    socket.send(catchUpAnswer(second.requestId, [2, 3]));
    socket.send(messageEvent(4));
    await drained(socket, connection);
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3, 4],
    );
  });

  it('asks again when a catch-up answer never comes', async () => {
    const { connection, events } = connect({ requestTimeoutMs: 150 });
    const socket = await gapAfterWelcome(connection);
    await socket.nextAction('catchUp');
    const again = await socket.nextAction('catchUp');
    socket.send(catchUpAnswer(again.requestId, [2, 3]));
    await drained(socket, connection);
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3],
    );
  });

  /**
   * A gap after the welcome whose catch-ups are answered `attempts` times by
   * `answer`, then seq 4 live: what the room applied and whether it was reset.
   */
  async function failingCatchUps(attempts: number, answer: (request: ClientRequest) => ServerMessage) {
    const { connection, events } = connect({ catchUpAttempts: attempts });
    const resets: string[] = [];
    connection.on('roomReset', (roomId) => resets.push(roomId));
    const socket = await gapAfterWelcome(connection);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const request = await socket.nextAction('catchUp');
      assert.deepEqual(request.rooms, [{ roomId: 'r1', lastSeq: 1 }]);
      socket.send(answer(request));
    }
    socket.send(messageEvent(4));
    await drained(socket, connection);
    await sentNothingMore(socket, connection);
    return { resets, applied: events.map((event) => event.seq) };
  }

  it('skips the missing events and resets the room when its catch-ups keep failing', async () => {
    const { resets, applied } = await failingCatchUps(2, (request) => refusal(request, 'INTERNAL'));
    assert.deepEqual(resets, ['r1']);
    assert.deepEqual(applied, [3, 4]);
  });

  it('answers a catch-up that leaves a room out by asking for that room again', async () => {
    const { connection, events } = connect();
    const socket = await gapAfterWelcome(connection);
    const first = await socket.nextAction('catchUp');
    socket.send({ type: 'catchUp', requestId: first.requestId, notMember: [], rooms: [] });
    const again = await socket.nextAction('catchUp');
    assert.deepEqual(again.rooms, [{ roomId: 'r1', lastSeq: 1 }]);
    socket.send(catchUpAnswer(again.requestId, [2, 3]));
    await drained(socket, connection);
    assert.deepEqual(
      events.map((event) => event.seq),
      [2, 3],
    );
  });

  it('reads the rest of the rooms after a welcome and drops only a room that no page names', async () => {
    const { connection } = connect();
    const gone: string[] = [];
    const listed: string[] = [];
    connection.on('roomGone', (roomId) => gone.push(roomId));
    connection.on('rooms', (rooms) => listed.push(...rooms.map((summary) => summary.id)));
    const first = await server.nextConnection();
    await welcome(first, 1, connection, { rooms: [room(1), room(2, 'r2'), room(3, 'r3')] });
    first.socket.terminate();

    // After the reconnect the welcome names r1 only: the rest come in pages.
    const second = await server.nextConnection();
    await welcome(second, 1, connection, { rooms: [room(1)], roomsCursor: 'page-2' });
    const page2 = await second.nextAction('listRooms');
    assert.equal(page2.cursor, 'page-2');
    assert.deepEqual(gone, [], 'not left for being past the first page');
    second.send({ type: 'error', requestId: page2.requestId, action: 'listRooms', code: 'INTERNAL', message: 'No.' });
    const again = await second.nextAction('listRooms');
    assert.equal(again.cursor, 'page-2', 'a failed page is asked for again');
    // r2 moved on while we were away: caught up from what was applied.
    second.send({
      type: 'rooms',
      requestId: again.requestId,
      joined: [room(4, 'r2')],
      directory: [],
      nextCursor: 'page-3',
    });
    const catchUp = await second.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r2', lastSeq: 2 }]);
    const page3 = await second.nextAction('listRooms');
    assert.equal(page3.cursor, 'page-3');
    second.send({ type: 'rooms', requestId: page3.requestId, joined: [], directory: [] });
    await drained(second, connection);
    assert.deepEqual(listed, ['r2']);
    assert.deepEqual(gone, ['r3'], 'named by no page: left elsewhere');
  });

  /** Welcomed with r1, r2 and r3, dropped, and welcomed again with r1 and a cursor to the rest. */
  async function reconnectedWithRoomsCursor(connection: ChatConnection, gone: string[]) {
    connection.on('roomGone', (roomId) => gone.push(roomId));
    const first = await server.nextConnection();
    await welcome(first, 1, connection, { rooms: [room(1), room(2, 'r2'), room(3, 'r3')] });
    first.socket.terminate();
    const socket = await server.nextConnection();
    await welcome(socket, 1, connection, { rooms: [room(1)], roomsCursor: 'page-2' });
    return socket;
  }

  /** Answers a `listRooms` and resolves once the connection applied the answer. */
  async function answerRooms(
    socket: ScriptedSocket,
    connection: ChatConnection,
    requestId: string | undefined,
    joined: RoomSummary[],
    nextCursor?: string,
  ) {
    const applied = new Promise<void>((resolve) => {
      const off = connection.on('rooms', () => {
        off();
        resolve();
      });
    });
    socket.send({ type: 'rooms', requestId, joined, directory: [], ...(nextCursor && { nextCursor }) });
    await withTimeout(applied, 'rooms applied');
  }

  /** The connection sent nothing since (the next frame is the ping this sends). */
  async function sentNothingMore(socket: ScriptedSocket, connection: ChatConnection) {
    const pong = connection.request({ action: 'ping' });
    const frame = await socket.next();
    assert.equal(frame.action, 'ping', `sent ${frame.action}`);
    socket.send({ type: 'pong', requestId: frame.requestId, now: 1, heads: [], since: 'c', hasMore: false });
    await withTimeout(pong, 'pong');
  }

  it('stops reading rooms at a cursor given before, and counts no room as left', async () => {
    const { connection } = connect();
    const gone: string[] = [];
    const socket = await reconnectedWithRoomsCursor(connection, gone);
    const page2 = await socket.nextAction('listRooms');
    await answerRooms(socket, connection, page2.requestId, [room(2, 'r2')], 'page-3');
    const page3 = await socket.nextAction('listRooms');
    assert.equal(page3.cursor, 'page-3');
    await answerRooms(socket, connection, page3.requestId, [room(3, 'r3')], 'page-2');
    await sentNothingMore(socket, connection);
    assert.deepEqual(gone, []);
  });

  it('stops reading rooms after pages in a row that bring nothing, and counts no room as left', async () => {
    const { connection } = connect();
    const gone: string[] = [];
    const socket = await reconnectedWithRoomsCursor(connection, gone);
    const cursors: Array<string | undefined> = [];
    for (let page = 3; page <= 5; page++) {
      const request = await socket.nextAction('listRooms');
      cursors.push(request.cursor);
      await answerRooms(socket, connection, request.requestId, [], `page-${page}`);
    }
    await sentNothingMore(socket, connection);
    assert.deepEqual(cursors, ['page-2', 'page-3', 'page-4']);
    assert.deepEqual(gone, []);
  });

  it('gives up a page of rooms after pageAttempts transient failures, or one refusal, and counts no room as left', async () => {
    const { connection } = connect({ pageAttempts: 2 });
    const gone: string[] = [];
    const socket = await reconnectedWithRoomsCursor(connection, gone);
    for (let attempt = 0; attempt < 2; attempt++) {
      const request = await socket.nextAction('listRooms');
      assert.equal(request.cursor, 'page-2');
      socket.send(refusal(request, 'STORE_UNAVAILABLE'));
    }
    await drained(socket, connection);
    await sentNothingMore(socket, connection);
    assert.deepEqual(gone, []);

    socket.socket.terminate();
    const next = await server.nextConnection();
    await welcome(next, 1, connection, { rooms: [room(1)], roomsCursor: 'page-2' });
    const refused = await next.nextAction('listRooms');
    next.send(refusal(refused, 'BAD_REQUEST'));
    await drained(next, connection);
    await sentNothingMore(next, connection);
    assert.deepEqual(gone, []);
  });

  it('counts a catch-up answer that promises more and gives nothing as failed, and resets the room in the end', async () => {
    const { resets, applied } = await failingCatchUps(3, (request) => ({
      type: 'catchUp',
      requestId: request.requestId,
      notMember: [],
      rooms: [{ roomId: 'r1', events: [], lastSeq: 3, hasMore: true }],
    }));
    assert.deepEqual(resets, ['r1']);
    assert.deepEqual(applied, [3, 4]);
  });

  it('sends a rate-limited message again after retryAfterMs with the same clientMessageId, and tells the UI', async () => {
    const { connection } = connect();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    const throttled: number[] = [];
    connection.on('throttled', (retryAfterMs) => throttled.push(retryAfterMs));
    const pending = connection.send('r1', 'Not so fast');
    const first = await socket.nextAction('sendMessage');
    const refusedAt = Date.now();
    socket.send({
      type: 'error',
      requestId: first.requestId,
      action: 'sendMessage',
      code: 'RATE_LIMITED',
      message: 'You are sending messages too fast.',
      retryAfterMs: 300,
    });
    const again = await socket.nextAction('sendMessage');
    assert.ok(Date.now() - refusedAt >= 290, 'not before retryAfterMs');
    assert.equal(again.clientMessageId, pending.clientMessageId);
    assert.deepEqual(throttled, [300]);
    assert.equal(connection.pending[0]?.status, 'sending');
  });

  it('pauses typing frames for retryAfterMs when one is rate limited, without a notice', async () => {
    const { connection } = connect();
    const frames: string[] = [];
    connection.on('frame', (frame) => frames.push(frame.type));
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    connection.typing('r1');
    await socket.nextAction('typing');
    socket.send({ type: 'error', action: 'typing', code: 'RATE_LIMITED', message: 'Slow down.', retryAfterMs: 60_000 });
    await drained(socket, connection);
    connection.typing('r2');
    const ping = connection.request({ action: 'ping' });
    const next = await socket.next();
    assert.equal(next.action, 'ping', 'no typing frame while paused');
    socket.send({ type: 'pong', requestId: next.requestId, now: 1, heads: [], since: 'c', hasMore: false });
    await withTimeout(ping, 'pong');
    assert.deepEqual(frames, ['pong', 'pong'], 'the refusal is not passed on as a frame to show');
  });

  it('rejects a refused request with the error code and keeps a refused send as failed', async () => {
    const { connection } = connect();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    const join = connection.request({ action: 'joinRoom', roomId: 'nope' });
    const frame = await socket.nextAction('joinRoom');
    socket.send({
      type: 'error',
      requestId: frame.requestId,
      action: 'joinRoom',
      code: 'ROOM_NOT_FOUND',
      message: 'No such room.',
    });
    await assert.rejects(join, { name: 'ChatRequestError', code: 'ROOM_NOT_FOUND', message: 'No such room.' });

    const failed = new Promise<void>((resolve) =>
      connection.on('pending', (list) => list[0]?.status === 'failed' && resolve()),
    );
    connection.send('r1', 'x'.repeat(5000));
    const send = await socket.nextAction('sendMessage');
    socket.send({
      type: 'error',
      requestId: send.requestId,
      action: 'sendMessage',
      code: 'MESSAGE_TOO_LONG',
      message: 'Too long.',
    });
    await withTimeout(failed, 'failed send');
    assert.equal(connection.pending[0]?.error?.code, 'MESSAGE_TOO_LONG');
  });

  it('stops and reports unauthorized instead of connecting once the token expired', () => {
    connection?.close();
    connection = new ChatConnection({ url: server.url, tokenExpiresAt: Date.now() - 1 });
    let unauthorized = 0;
    connection.on('unauthorized', () => {
      unauthorized += 1;
    });
    connection.connect();
    connection.retryNow();
    assert.equal(connection.state, 'offline');
    assert.equal(unauthorized, 1);
  });
  it('pings every heartbeat with the last since, and catches up a room the pong names beyond what it applied', async () => {
    const { connection, events } = connect({ pingIntervalMs: 50 });
    const socket = await server.nextConnection();
    await welcome(socket, 2, connection);
    const first = await socket.nextAction('ping');
    assert.equal(first.since, 'since-0', "the first ping carries the welcome's since");
    // Seq 3 was acknowledged to someone, but its broadcast never reached us.
    socket.send({
      type: 'pong',
      requestId: first.requestId,
      now: 1,
      heads: [{ roomId: 'r1', seq: 3 }],
      since: 'since-1',
      hasMore: false,
    });
    const catchUp = await socket.nextAction('catchUp');
    assert.deepEqual(catchUp.rooms, [{ roomId: 'r1', lastSeq: 2 }]);
    socket.send(catchUpAnswer(catchUp.requestId, [3]));
    // The next ping (every 50 ms) may go out before the answer is applied: wait for the event itself.
    await withTimeout(
      (async () => {
        while (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      'the caught-up event applied',
    );
    const second = await socket.nextAction('ping');
    assert.equal(second.since, 'since-1', "the next ping carries the pong's since");
    assert.deepEqual(
      events.map((event) => event.seq),
      [3],
    );
  });

  it('keeps the sends not acknowledged across a reload and sends them again, each with its own clientMessageId', async () => {
    const kept = new Map<string, string>();
    const tab = {
      getItem: (key: string) => kept.get(key) ?? null,
      setItem: (key: string, value: string) => void kept.set(key, value),
      removeItem: (key: string) => void kept.delete(key),
    };
    // The page before the reload, offline: the send waits in its outbox.
    const before = new ChatConnection({ url: server.url, unsent: new UnsentSends('u1', tab) });
    const typed = before.send('r1', 'typed while offline');
    assert.equal(kept.size, 1);

    // The reloaded page: another connection on the same tab's storage.
    const { connection } = connect({ unsent: new UnsentSends('u1', tab) });
    assert.deepEqual(
      connection.pending.map((send) => [send.clientMessageId, send.text, send.status]),
      [[typed.clientMessageId, 'typed while offline', 'sending']],
    );
    const socket = await server.nextConnection();
    await welcome(socket, 2, connection);
    const resent = await socket.nextAction('sendMessage');
    assert.deepEqual([resent.clientMessageId, resent.text], [typed.clientMessageId, 'typed while offline']);
    const stored = { ...message(3, typed.clientMessageId), text: 'typed while offline' };
    const acked = new Promise<void>((resolve) => connection.on('pending', (list) => list.length === 0 && resolve()));
    socket.send({
      type: 'ack',
      requestId: resent.requestId,
      clientMessageId: typed.clientMessageId,
      message: stored,
      duplicate: false,
    });
    await withTimeout(acked, 'ack');
    assert.equal(kept.size, 0, 'an acknowledged send is not kept');
  });

  it('restores nothing from kept sends it cannot read, and keeps the ones it can', () => {
    const stored = (value: string) => new UnsentSends('u1', { getItem: () => value, setItem() {}, removeItem() {} });
    assert.deepEqual(stored('not json').load(), []);
    assert.deepEqual(stored('{"a":1}').load(), []);
    const good = { clientMessageId: 'c1', roomId: 'r1', text: 'hi', attachments: [], createdAt: 1 };
    assert.deepEqual(stored(JSON.stringify([null, { text: 7 }, good])).load(), [
      { ...good, status: 'sending', error: null },
    ]);
  });

  it('gives up a connection whose ping goes unanswered, as gone silent, and opens another at once', async () => {
    const { connection, states } = connect({ pingIntervalMs: 50, requestTimeoutMs: 300 });
    const silent = await server.nextConnection();
    await welcome(silent, 1, connection);
    // The server never answers: a network that dropped the connection without a word.
    await silent.nextAction('ping');
    const fresh = await server.nextConnection();
    assert.ok(states.includes('reconnecting'), states.join(' '));
    await welcome(fresh, 1, connection);
    const ping = await fresh.nextAction('ping');
    fresh.send({ type: 'pong', requestId: ping.requestId, now: 1, heads: [], since: 'since-1', hasMore: false });
    assert.equal(connection.state, 'online');
  });

  it('asks for the heads on resync (at a random moment within 2 s), and again at once while the pong has more', async () => {
    // The last moment of the spread.
    const { connection } = connect({ random: () => 0.999 });
    const socket = await server.nextConnection();
    await welcome(socket, 2, connection);
    socket.send({ type: 'resync' });
    const ping = await socket.nextAction('ping');
    assert.equal(ping.since, 'since-0');
    socket.send({ type: 'pong', requestId: ping.requestId, now: 1, heads: [], since: 'page-2', hasMore: true });
    const next = await socket.nextAction('ping');
    assert.equal(next.since, 'page-2');
  });
  it('reads the rooms again when a pong names a room it does not follow, and stops where the directory begins', async () => {
    const { connection } = connect({ random: () => 0 });
    const listed: string[][] = [];
    connection.on('rooms', (rooms) => listed.push(rooms.map((entry) => entry.id)));
    const socket = await server.nextConnection();
    await welcome(socket, 2, connection);
    socket.send({ type: 'resync' });
    const sent = await socket.nextAction('ping');
    // Joined from another device; its roomJoined never came.
    socket.send({
      type: 'pong',
      requestId: sent.requestId,
      now: 1,
      heads: [{ roomId: 'r2', seq: 1 }],
      since: 'since-1',
      hasMore: false,
    });
    const list = await socket.nextAction('listRooms');
    assert.equal(list.cursor, undefined, 'from the start');
    socket.send({
      type: 'rooms',
      requestId: list.requestId,
      joined: [room(2), room(1, 'r2')],
      directory: [{ id: 'r3', name: 'r3', topic: null, memberCount: 1, joined: false }],
      nextCursor: 'directory-2',
    });
    await drained(socket, connection);
    assert.deepEqual(listed, [['r1', 'r2']]);
  });
});
