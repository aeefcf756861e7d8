/**
 * ChatClient over a real ChatConnection to a scripted server: a burst of events
 * is applied in one state change per flush, in order, with one notification.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  ClientRequest,
  Member,
  Message,
  RoomEvent,
  RoomSummary,
  ServerMessage,
  UserSummary,
} from '@switchboard/chat/api';
import WebSocket from 'ws';
import { ChatConnection, type WebSocketLike } from '../src/connection/chat-connection.ts';
import { CursorTrail } from '../src/connection/cursor-trail.ts';
import { ChatClient } from '../src/state/chat-client.ts';
import {
  drained,
  me,
  message,
  messageEvent,
  notAsked,
  refusal,
  room,
  ScriptedServer,
  welcome,
} from './scripted-server.ts';

function user(username: string): UserSummary {
  return { id: `id-${username}`, username, guest: false, avatar: { initials: 'X', color: '#123456' } };
}

function member(username: string): Member {
  return { user: user(username), joinedAt: 1, online: false, role: 'member' };
}

describe('Class: ChatClient', () => {
  let server: ScriptedServer;
  let client: ChatClient | undefined;

  before(async () => {
    server = await ScriptedServer.start();
  });

  after(async () => {
    client?.stop();
    await server.close();
  });

  /** A started client whose flushes run only when the test calls `flush()`. */
  function start(
    options: {
      maxLoadedMessages?: number;
      onlinePages?: number;
      onlineRefreshMs?: number;
      isReading?: () => boolean;
      readReceiptIntervalMs?: number;
      pageAttempts?: number;
      onMessage?: (message: Message, room: RoomSummary) => void;
    } = {},
  ) {
    const flushes: Array<() => void> = [];
    const connection = new ChatConnection({
      url: server.url,
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      backoff: { initialMs: 10, maxMs: 50 },
      ...(options.pageAttempts !== undefined && { pageAttempts: options.pageAttempts }),
    });
    client?.stop();
    const started = new ChatClient({
      connection,
      scheduleFlush: (flush) => flushes.push(flush),
      isReading: () => false,
      ...options,
    });
    client = started;
    let notifications = 0;
    started.subscribe(() => {
      notifications += 1;
    });
    started.start();
    return {
      client: started,
      connection,
      notifications: () => notifications,
      flush: () => {
        for (const flush of flushes.splice(0)) flush();
      },
    };
  }

  it('counts mentions of you beside unread, hands new messages to onMessage, and takes the server’s counts and settings', async () => {
    const handed: string[] = [];
    const { client, connection, flush } = start({ onMessage: (msg, on) => handed.push(`${msg.seq}:${on.unread}`) });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const mentioning = (seq: number, mentions: Message['mentions']): RoomEvent => ({
      type: 'message',
      roomId: 'r1',
      seq,
      at: seq,
      message: { ...message(seq), ...(mentions && { mentions }) },
    });
    socket.send(mentioning(1, { users: [{ id: me.id, username: me.username }], room: false }));
    socket.send(mentioning(2, undefined));
    socket.send(mentioning(3, { users: [], room: true }));
    socket.send(mentioning(4, { users: [{ id: 'u9', username: 'someone' }], room: false }));
    await drained(socket, connection);
    flush();
    const counts = () => client.getState().rooms.map((r) => [r.unread, r.mentions]);
    assert.deepEqual(counts(), [[4, 2]]);
    assert.deepEqual(handed, ['1:1', '2:2', '3:3', '4:4']);

    socket.send({ type: 'read', roomId: 'r1', lastReadSeq: 2, unread: 2, mentions: 1 });
    socket.send({ type: 'notifications', roomId: 'r1', level: 'nothing', muted: true });
    await drained(socket, connection);
    flush();
    assert.deepEqual(counts(), [[2, 1]]);
    assert.deepEqual(client.getState().rooms[0]?.notifications, { level: 'nothing', muted: true });
  });

  it('applies a burst of 500 messages in one state change, in seq order, with one notification', async () => {
    const { client, connection, notifications, flush } = start();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const history = await socket.nextAction('history');
    socket.send({ type: 'history', requestId: history.requestId, roomId: 'r1', messages: [], hasMore: false });
    await drained(socket, connection);
    flush();

    const before = notifications();
    for (let seq = 1; seq <= 500; seq++) socket.send(messageEvent(seq));
    await drained(socket, connection);
    assert.equal(client.getState().timelines.r1?.messages.length ?? 0, 0, 'nothing applied before the flush');
    flush();
    assert.equal(notifications() - before, 1);
    const state = client.getState();
    assert.deepEqual(
      state.timelines.r1?.messages.map((message) => message.seq),
      Array.from({ length: 500 }, (_, index) => index + 1),
    );
    assert.equal(state.rooms[0]?.lastSeq, 500);
    assert.equal(state.rooms[0]?.unread, 500, 'counted as unread: the user is not reading');
  });

  it('keeps at most maxLoadedMessages per room, the newest, and lets older ones be read back', async () => {
    const { client, connection, flush } = start({ maxLoadedMessages: 100 });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    for (let seq = 1; seq <= 250; seq++) socket.send(messageEvent(seq));
    await drained(socket, connection);
    flush();
    const timeline = client.getState().timelines.r1!;
    assert.equal(timeline.messages.length, 100);
    assert.equal(timeline.messages[0]?.seq, 151);
    assert.equal(timeline.hasMore, true);
  });

  it("keeps the rooms and the open room that are past the welcome's first page through a reconnect", async () => {
    const { client, connection, flush } = start();
    const first = await server.nextConnection();
    await welcome(first, 0, connection, { roomsCursor: 'rooms-2' });
    const page = await first.nextAction('listRooms');
    first.send({ type: 'rooms', requestId: page.requestId, joined: [room(3, 'r2')], directory: [] });
    await drained(first, connection);
    flush();
    assert.deepEqual(
      client.getState().rooms.map((summary) => summary.id),
      ['r1', 'r2'],
    );
    client.selectRoom('r2');
    first.socket.terminate();

    const second = await server.nextConnection();
    await welcome(second, 0, connection, { roomsCursor: 'rooms-2' });
    flush();
    const state = client.getState();
    assert.equal(state.activeRoomId, 'r2', 'the open room stays open');
    assert.deepEqual(
      state.rooms.map((summary) => summary.id),
      ['r1', 'r2'],
    );
  });

  it('reads online users past the welcome for onlinePages pages, and the rest on demand', async () => {
    const { client, connection, flush } = start({ onlinePages: 2 });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection, { online: [me, user('bob')], onlineCursor: 'online-2' });
    flush();
    const second = await socket.nextAction('online');
    assert.equal(second.cursor, 'online-2');
    // bob is sent again (he came online again meanwhile): listed once.
    socket.send({
      type: 'online',
      requestId: second.requestId,
      users: [user('bob'), user('carl')],
      nextCursor: 'online-3',
    });
    await drained(socket, connection);
    assert.equal(client.getState().onlineCursor, 'online-3', 'no more than onlinePages by itself');

    const more = client.loadMoreOnline();
    const third = await socket.nextAction('online');
    assert.equal(third.cursor, 'online-3');
    socket.send({ type: 'online', requestId: third.requestId, users: [user('dave')] });
    await more;
    const state = client.getState();
    assert.deepEqual(
      state.online.map((online) => online.username),
      ['ada', 'bob', 'carl', 'dave'],
    );
    assert.equal(state.onlineCursor, null);
  });

  it('reads who is online again every onlineRefreshMs while the page is read, and the loaded members’ dots with it', async () => {
    let reading = false;
    const { client, connection, flush } = start({ onlineRefreshMs: 20, isReading: () => reading });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection, { online: [me, user('bob')] });
    flush();
    const members = await socket.nextAction('members');
    socket.send({
      type: 'members',
      requestId: members.requestId,
      roomId: 'r1',
      members: [{ ...member('bob'), online: true }, member('carl')],
    });
    await drained(socket, connection);
    flush();
    // Hidden, the page asks nothing for five intervals.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await notAsked(socket, connection, 'online');
    reading = true;
    const refresh = await socket.nextAction('online');
    assert.equal(refresh.cursor, undefined, 'from the first page');
    // Carl came online in a room too large to say so, and bob went.
    socket.send({ type: 'online', requestId: refresh.requestId, users: [me, user('carl')] });
    await drained(socket, connection);
    flush();
    const state = client.getState();
    assert.deepEqual(
      state.online.map((online) => online.username),
      [me.username, 'carl'],
    );
    assert.deepEqual(
      state.members.r1?.members.map(({ user, online }) => [user.username, online]),
      [
        ['bob', false],
        ['carl', true],
      ],
    );
  });

  it('starts no refresh of who is online while the previous one is unanswered', async () => {
    const { client, connection, flush } = start({ onlineRefreshMs: 20, isReading: () => true });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection, { online: [me] });
    flush();
    const refresh = await socket.nextAction('online');
    // Five intervals with the refresh unanswered: a ping is the next frame asking anything.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await notAsked(socket, connection, 'online');
    // The slow answer is shown, not set aside for a newer refresh.
    socket.send({ type: 'online', requestId: refresh.requestId, users: [me, user('carl')] });
    await drained(socket, connection);
    flush();
    assert.deepEqual(
      client.getState().online.map((online) => online.username),
      [me.username, 'carl'],
    );
    // Answered, the refreshing goes on.
    assert.equal((await socket.nextAction('online')).cursor, undefined);
  });

  it('reads members a page at a time, and shows a member who joins only where the loaded part reaches', async () => {
    const { client, connection, flush } = start();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const first = await socket.nextAction('members');
    assert.equal(first.cursor, undefined);
    socket.send({
      type: 'members',
      requestId: first.requestId,
      roomId: 'r1',
      members: [member('ada'), member('bob')],
      nextCursor: 'members-2',
    });
    await drained(socket, connection);
    for (const [seq, username] of [
      [1, 'abe'],
      [2, 'carl'],
    ] as const) {
      socket.send({ type: 'memberJoined', roomId: 'r1', seq, at: seq, user: user(username) });
    }
    await drained(socket, connection);
    flush();
    const names = () => client.getState().members.r1?.members.map((entry) => entry.user.username);
    assert.deepEqual(names(), ['abe', 'ada', 'bob'], 'carl is past the loaded part: a later page brings him');

    const more = client.loadMoreMembers('r1');
    const second = await socket.nextAction('members');
    assert.equal(second.cursor, 'members-2');
    socket.send({
      type: 'members',
      requestId: second.requestId,
      roomId: 'r1',
      members: [member('carl'), member('dave')],
    });
    await more;
    assert.deepEqual(names(), ['abe', 'ada', 'bob', 'carl', 'dave']);
    assert.equal(client.getState().members.r1?.nextCursor, null);
  });

  it("reads the directory past the pages of the user's own rooms", async () => {
    const { client, connection, flush } = start();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const page = client.directoryPage(new CursorTrail());
    const first = await socket.nextAction('listRooms');
    assert.equal(first.cursor, undefined);
    socket.send({ type: 'rooms', requestId: first.requestId, joined: [room(0)], directory: [], nextCursor: 'dir-1' });
    const second = await socket.nextAction('listRooms');
    assert.equal(second.cursor, 'dir-1');
    const listing = { id: 'r9', name: 'design', topic: null, memberCount: 3, joined: false };
    socket.send({ type: 'rooms', requestId: second.requestId, joined: [], directory: [listing], nextCursor: 'dir-2' });
    assert.deepEqual(await page, { rooms: [listing], nextCursor: 'dir-2' });
  });

  it('ends the online list at a cursor given before, and asks again for a page that failed', async () => {
    const { client, connection, flush } = start({ onlinePages: 5 });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection, { online: [me], onlineCursor: 'online-2' });
    flush();
    const failed = await socket.nextAction('online');
    socket.send(refusal(failed, 'STORE_UNAVAILABLE'));
    const second = await socket.nextAction('online');
    assert.equal(second.cursor, 'online-2', 'the same page again');
    socket.send({ type: 'online', requestId: second.requestId, users: [user('bob')], nextCursor: 'online-3' });
    const third = await socket.nextAction('online');
    socket.send({ type: 'online', requestId: third.requestId, users: [user('carl')], nextCursor: 'online-2' });
    await drained(socket, connection);
    const state = client.getState();
    assert.equal(state.onlineCursor, null, 'a loop ends the list');
    assert.deepEqual(
      state.online.map((online) => online.username),
      ['ada', 'bob', 'carl'],
    );
  });

  it('ends a member list whose pages bring nobody new, and one whose pages fail', async () => {
    /** A page of r1's members that holds ada alone. */
    const adaOnly = (request: ClientRequest, nextCursor: string): ServerMessage => ({
      type: 'members',
      requestId: request.requestId,
      roomId: 'r1',
      members: [member('ada')],
      nextCursor,
    });
    const { client, connection, flush } = start({ pageAttempts: 2 });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const first = await socket.nextAction('members');
    socket.send(adaOnly(first, 'm-1'));
    await drained(socket, connection);
    // The same member again and again, each time with a new cursor.
    for (let page = 2; client.getState().members.r1?.nextCursor !== null; page++) {
      assert.ok(page < 10, 'the list ends');
      const more = client.loadMoreMembers('r1');
      const request = await socket.nextAction('members');
      socket.send(adaOnly(request, `m-${page}`));
      await more;
    }
    assert.deepEqual(
      client.getState().members.r1?.members.map((entry) => entry.user.username),
      ['ada'],
    );

    client.selectRoom('r1');
    const again = await socket.nextAction('members');
    socket.send(adaOnly(again, 'x'));
    await drained(socket, connection);
    const more = client.loadMoreMembers('r1');
    for (let attempt = 0; attempt < 2; attempt++) socket.send(refusal(await socket.nextAction('members'), 'INTERNAL'));
    await assert.rejects(more, { code: 'INTERNAL' });
    const list = client.getState().members.r1;
    assert.deepEqual([list?.nextCursor, list?.loading], ['x', false], 'the user can try again');
  });

  it("stops reading past the user's rooms when their cursors loop, before reaching the directory", async () => {
    const { client, connection, flush } = start();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const page = client.directoryPage(new CursorTrail());
    for (const nextCursor of ['j-1', 'j-2', 'j-1']) {
      const request = await socket.nextAction('listRooms');
      socket.send({ type: 'rooms', requestId: request.requestId, joined: [room(0)], directory: [], nextCursor });
    }
    assert.deepEqual(await page, { rooms: [], nextCursor: null });
  });

  it('reads older history until a page brings nothing older, and waits for the user after a page that failed', async () => {
    const { client, connection, flush } = start({ pageAttempts: 1 });
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const newest = await socket.nextAction('history');
    socket.send({ type: 'history', requestId: newest.requestId, roomId: 'r1', messages: [message(5)], hasMore: true });
    await drained(socket, connection);
    const timeline = () => client.getState().timelines.r1!;

    const failing = client.loadOlder('r1');
    socket.send(refusal(await socket.nextAction('history'), 'STORE_UNAVAILABLE'));
    await assert.rejects(failing, { code: 'STORE_UNAVAILABLE' });
    assert.deepEqual([timeline().failed, timeline().hasMore, timeline().loading], [true, true, false]);

    const older = client.loadOlder('r1');
    const request = await socket.nextAction('history');
    assert.equal(request.before, 5);
    // The same page again, still saying more: nothing older came, so nothing more is asked for.
    socket.send({ type: 'history', requestId: request.requestId, roomId: 'r1', messages: [message(5)], hasMore: true });
    await older;
    assert.deepEqual([timeline().failed, timeline().hasMore], [false, false]);
  });

  it('stops reading older history by itself when the socket drops during a read, and goes on after the welcome', async () => {
    const { client, connection, flush } = start();
    const first = await server.nextConnection();
    await welcome(first, 0, connection);
    flush();
    const newest = await first.nextAction('history');
    first.send({ type: 'history', requestId: newest.requestId, roomId: 'r1', messages: [message(5)], hasMore: true });
    await drained(first, connection);
    const older = client.loadOlder('r1');
    await first.nextAction('history');
    first.socket.terminate();
    await assert.rejects(older, { code: 'DISCONNECTED' });
    assert.equal(client.getState().timelines.r1?.failed, true, 'not asked again while there is no socket');

    const second = await server.nextConnection();
    await welcome(second, 0, connection);
    flush();
    const timeline = client.getState().timelines.r1;
    assert.deepEqual([timeline?.failed, timeline?.hasMore, timeline?.messages.length], [false, true, 1]);
  });

  /**
   * A client reading r1 (r2 beside it) whose first read position, 3 after three
   * messages in one flush, went out and was answered; the next one waits 60 s.
   */
  async function readingThree() {
    const started = start({ isReading: () => true, readReceiptIntervalMs: 60_000 });
    const { connection, flush } = started;
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection, { rooms: [room(0), room(0, 'r2')] });
    flush();
    for (let seq = 1; seq <= 3; seq++) socket.send(messageEvent(seq));
    await drained(socket, connection);
    flush();
    const first = await socket.nextAction('markRead');
    socket.send({ type: 'read', requestId: first.requestId, roomId: 'r1', lastReadSeq: 3, unread: 0, mentions: 0 });
    return { ...started, socket, first };
  }

  /** r1 is open, marked unread from seq 2 on another device and kept so here: `unread` messages unread. */
  function assertKeptUnreadFrom2(state: ReturnType<ChatClient['getState']>, unread: number): void {
    assert.deepEqual([state.rooms[0]?.lastReadSeq, state.rooms[0]?.unread], [1, unread]);
    assert.equal(state.keptUnread, 'r1');
    assert.deepEqual(state.newSince, { roomId: 'r1', afterSeq: 1 });
  }

  it('sends read positions at most once per interval, the latest when the user leaves the room', async () => {
    const { client, connection, flush, socket, first } = await readingThree();
    assert.equal(first.seq, 3, 'the events of one flush: one position');

    for (let seq = 4; seq <= 10; seq++) socket.send(messageEvent(seq));
    // The marker as the server has it (another device's view): 7 unread after seq 3.
    socket.send({ type: 'read', roomId: 'r1', lastReadSeq: 3, unread: 7, mentions: 0 });
    await drained(socket, connection);
    flush();
    assert.equal(client.getState().rooms[0]?.unread, 0, 'what the user has seen is not unread');

    client.selectRoom('r2');
    const last = await socket.nextAction('markRead');
    assert.deepEqual([last.roomId, last.seq], ['r1', 10], 'no request in between, the latest on leaving');
  });

  it('keeps a room marked unread on another device unread here while it stays open, and reads it once reopened', async () => {
    const { client, connection, flush, socket } = await readingThree();
    // Read here up to 5, waiting for the interval, when the other device marks it unread from 2.
    for (let seq = 4; seq <= 5; seq++) socket.send(messageEvent(seq));
    socket.send({ type: 'read', roomId: 'r1', lastReadSeq: 1, unread: 4, mentions: 0 });
    socket.send(messageEvent(6));
    await drained(socket, connection);
    flush();
    assertKeptUnreadFrom2(client.getState(), 5);

    // Leaving sends nothing for it: the positions read before it was marked unread are dropped.
    client.selectRoom('r2');
    await notAsked(socket, connection, 'markRead');
    // Opened again, it is read as usual.
    client.selectRoom('r1');
    flush();
    const reread = await socket.nextAction('markRead');
    assert.deepEqual([reread.roomId, reread.seq], ['r1', 6]);
    assert.equal(client.getState().keptUnread, null);
  });

  it('keeps a room marked unread on another device while this page was away unread here after the reconnect', async () => {
    const { client, connection, flush, socket } = await readingThree();
    await drained(socket, connection);
    flush();
    assert.equal(client.getState().rooms[0]?.lastReadSeq, 3);
    socket.socket.terminate();

    // Meanwhile the other device marked it unread from 2: the welcome's marker is below the one confirmed here.
    const second = await server.nextConnection();
    await welcome(second, 3, connection, { rooms: [{ ...room(3), lastReadSeq: 1, unread: 2 }, room(0, 'r2')] });
    flush();
    second.send(messageEvent(4));
    await drained(second, connection);
    flush();
    assertKeptUnreadFrom2(client.getState(), 3);
    await notAsked(second, connection, 'markRead');
  });

  it('keeps thread-only replies out of the room and its unread count, in the open thread, and applies a replyAck as its two events', async () => {
    const { client, connection, flush } = start();
    const socket = await server.nextConnection();
    await welcome(socket, 0, connection);
    flush();
    const history = await socket.nextAction('history');
    socket.send({ type: 'history', requestId: history.requestId, roomId: 'r1', messages: [], hasMore: false });
    const root = message(1);
    const reply = { ...message(2), threadRootId: root.id };
    const counted = { ...root, thread: { replyCount: 1, lastReplyAt: 2, lastReplySeq: 2 } };
    socket.send(messageEvent(1));
    socket.send({ type: 'message', roomId: 'r1', seq: 2, at: 2, message: reply });
    socket.send({ type: 'threadUpdated', roomId: 'r1', seq: 3, at: 2, message: counted });
    await drained(socket, connection);
    flush();
    let state = client.getState();
    assert.deepEqual(state.timelines.r1?.messages, [counted]);
    assert.deepEqual([state.rooms[0]?.lastSeq, state.rooms[0]?.unread], [3, 1]);

    client.openThread(root.id);
    const read = await socket.nextAction('thread');
    assert.equal(read.rootId, root.id);
    socket.send({
      type: 'thread',
      requestId: read.requestId,
      roomId: 'r1',
      root: counted,
      replies: [reply],
      hasMore: false,
      lastReadSeq: 0,
    });
    await drained(socket, connection);
    flush();
    assert.deepEqual(client.getState().thread?.replies, [reply]);

    const sent = client.reply('mine', false, 'c-1');
    const request = await socket.nextAction('replyInThread');
    assert.deepEqual(
      [request.rootId, request.text, request.clientMessageId, request.alsoToRoom],
      [root.id, 'mine', 'c-1', false],
    );
    const mine = { ...message(4, 'c-1'), authorId: me.id, threadRootId: root.id };
    const twice = { ...root, thread: { replyCount: 2, lastReplyAt: 4, lastReplySeq: 4 } };
    socket.send({
      type: 'replyAck',
      requestId: request.requestId,
      clientMessageId: 'c-1',
      message: mine,
      root: twice,
      duplicate: false,
    });
    await sent;
    await drained(socket, connection);
    flush();
    state = client.getState();
    assert.deepEqual(state.timelines.r1?.messages, [twice]);
    assert.deepEqual(state.thread?.replies, [reply, mine]);
    assert.deepEqual([state.rooms[0]?.lastSeq, state.threadReads[root.id]], [5, 4]);
  });
});
